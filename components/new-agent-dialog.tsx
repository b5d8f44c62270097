"use client";
/**
 * "New agent": from a template or from scratch, to run in this tab or on the server. The name is
 * checked with the protocol's rules and against who is online before anything starts.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { AGENT_TOOLS, AgentSpec, specProblems } from "../lib/dashboard";
import { MUTED } from "./look";
import { displayText } from "./safe-text";
import { useDashboard, useSession, useTemplates } from "./store-context";

const field =
  "w-full rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900 focus:outline-none focus:ring-1 focus:ring-sky-500";

const CUSTOM = {
  template: "custom",
  name: "",
  description: "",
  instructions: "",
  capabilities: [] as string[],
  tools: [] as string[],
};

export function NewAgentDialog({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const templates = useTemplates();
  const agents = useDashboard((s) => s.registry.agents);
  const [template, setTemplate] = useState("custom");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [instructions, setInstructions] = useState("");
  const [capabilities, setCapabilities] = useState("");
  const [tools, setTools] = useState<string[]>([]);
  const [model, setModel] = useState("");
  const [where, setWhere] = useState<"tab" | "server">("tab");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  // Modal: focus moves in on open and back to whatever opened it on close.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    form.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    return () => opener?.focus();
  }, []);

  function pick(t: string) {
    setTemplate(t);
    const tpl = templates.find((x) => x.template === t) ?? CUSTOM;
    const taken = (n: string) => agents[n] !== undefined && agents[n]!.status !== "offline";
    let n = tpl.name;
    for (let i = 2; n !== "" && taken(n); i++) n = `${tpl.name}-${i}`;
    setName(n);
    setDescription(tpl.description);
    setInstructions(tpl.instructions);
    setCapabilities(tpl.capabilities.join(", "));
    setTools([...tpl.tools]);
  }

  async function start() {
    const parsed = AgentSpec.safeParse({
      name,
      description,
      instructions,
      capabilities: capabilities
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean),
      tools,
      ...(model.trim() === "" ? {} : { model: model.trim() }),
    });
    if (!parsed.success) return setError(specProblems(parsed.error));
    const seen = agents[parsed.data.name];
    if (seen !== undefined && seen.status !== "offline") {
      return setError(
        `an agent named ${parsed.data.name} is already online (runs in ${seen.agent.runtime}); choose another name`,
      );
    }
    setBusy(true);
    setError(null);
    try {
      await session.startAgent(parsed.data, where);
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onClose}>
      <form
        ref={form}
        data-testid="new-agent-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="new-agent-title"
        onKeyDown={(e) => trapFocus(e, onClose)}
        className="max-h-full w-full max-w-lg space-y-3 overflow-y-auto rounded-lg bg-white p-5 shadow-xl dark:bg-zinc-900"
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <h2 id="new-agent-title" className="text-lg font-semibold">
          New agent
        </h2>
        <label className={`block text-xs font-semibold ${MUTED}`}>
          template
          <select
            data-testid="agent-template"
            className={field}
            value={template}
            onChange={(e) => pick(e.target.value)}
          >
            <option value="custom">custom</option>
            {templates.map((t) => (
              <option key={t.template} value={t.template}>
                {t.template}
              </option>
            ))}
          </select>
        </label>
        <TextField
          label="name"
          testid="agent-name"
          value={name}
          onChange={setName}
          placeholder="e.g. Travel-Planner"
        />
        <TextField
          label="description"
          testid="agent-description"
          value={description}
          onChange={setDescription}
        />
        <TextField
          label="instructions"
          testid="agent-instructions"
          value={instructions}
          onChange={setInstructions}
          rows={4}
        />
        <TextField
          label="capabilities (comma-separated)"
          testid="agent-capabilities"
          value={capabilities}
          onChange={setCapabilities}
        />
        <fieldset className="text-xs">
          <legend className={`font-semibold ${MUTED}`}>tools</legend>
          <div className="mt-1 flex flex-wrap gap-3">
            {AGENT_TOOLS.map((t) => (
              <label key={t.name} className="flex items-center gap-1" title={t.description}>
                <input
                  type="checkbox"
                  data-testid={`agent-tool-${t.name}`}
                  checked={tools.includes(t.name)}
                  onChange={(e) =>
                    setTools(e.target.checked ? [...tools, t.name] : tools.filter((x) => x !== t.name))
                  }
                />
                <span className="font-mono">{t.name}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <TextField
          label="model (empty: the server's default)"
          testid="agent-model"
          value={model}
          onChange={setModel}
        />
        <fieldset className="text-sm">
          <legend className={`text-xs font-semibold ${MUTED}`}>runs</legend>
          <label className="mr-4 inline-flex items-center gap-1">
            <input
              type="radio"
              data-testid="agent-where-tab"
              checked={where === "tab"}
              onChange={() => setWhere("tab")}
            />{" "}
            in this tab
          </label>
          <label className="inline-flex items-center gap-1">
            <input
              type="radio"
              data-testid="agent-where-server"
              checked={where === "server"}
              onChange={() => setWhere("server")}
            />{" "}
            on the server
          </label>
        </fieldset>
        {error !== null && (
          <div
            data-testid="agent-error"
            role="alert"
            className="rounded border border-red-300 bg-red-50 px-2 py-1 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/40 dark:text-red-300"
          >
            {displayText(error, 1_000)}
          </div>
        )}
        <div className="flex justify-end gap-2">
          <button
            type="button"
            onClick={onClose}
            className="rounded px-3 py-1.5 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
          >
            Cancel
          </button>
          <button
            data-testid="agent-start"
            type="submit"
            disabled={busy}
            className="rounded bg-sky-700 px-4 py-1.5 text-sm font-semibold text-white hover:bg-sky-800 disabled:opacity-50"
          >
            {busy ? "Starting…" : "Start"}
          </button>
        </div>
      </form>
    </div>
  );
}

function TextField(p: {
  label: string;
  testid: string;
  value: string;
  onChange: (v: string) => void;
  rows?: number;
  placeholder?: string;
}) {
  const common = {
    "data-testid": p.testid,
    className: field,
    value: p.value,
    placeholder: p.placeholder,
    onChange: (e: { target: { value: string } }) => p.onChange(e.target.value),
  };
  return (
    <label className={`block text-xs font-semibold ${MUTED}`}>
      {p.label}
      {p.rows === undefined ? <input {...common} /> : <textarea rows={p.rows} {...common} />}
    </label>
  );
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Escape closes; Tab and Shift+Tab cycle inside the dialog instead of leaving it. */
function trapFocus(e: KeyboardEvent<HTMLElement>, onClose: () => void): void {
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    onClose();
    return;
  }
  if (e.key !== "Tab") return;
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = items[0];
  const last = items.at(-1);
  if (first === undefined || last === undefined) return;
  const inside = e.currentTarget.contains(document.activeElement);
  if (e.shiftKey && (document.activeElement === first || !inside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}
