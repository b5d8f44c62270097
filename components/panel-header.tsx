"use client";
/** The title line of a right-hand pane, with its close button. */
import { MUTED } from "./look";

export function PanelHeader({ title, onClose }: { title: string; onClose?: () => void }) {
  return (
    <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
      <h2 className="min-w-0 truncate text-sm font-semibold" title={title}>
        {title}
      </h2>
      {onClose !== undefined && (
        <button
          type="button"
          onClick={onClose}
          className={`rounded px-1 hover:bg-zinc-100 dark:hover:bg-zinc-800 ${MUTED}`}
          aria-label="close"
        >
          ✕
        </button>
      )}
    </div>
  );
}
