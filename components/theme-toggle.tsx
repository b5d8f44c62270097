"use client";
export function ThemeToggle() {
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      title="Toggle dark mode"
      aria-label="toggle dark mode"
      className="rounded border border-zinc-400 px-2 py-1 text-xs dark:border-zinc-600"
      onClick={() => {
        const dark = !document.documentElement.classList.contains("dark");
        document.documentElement.classList.toggle("dark", dark);
        try {
          localStorage.setItem("switchboard.theme", dark ? "dark" : "light");
        } catch {
          // private mode: the choice lasts this page only
        }
      }}
    >
      <span aria-hidden="true">◐</span> theme
    </button>
  );
}
