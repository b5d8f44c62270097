/**
 * `switchboard <command> [options]`: the command-line client (also `npm run cli -- ...`).
 * Parses the command line, runs one command, and turns every failure into one line on stderr
 * and an exit code: 0 done, 1 failed, 2 wrong command line.
 */
import { parseArgs } from "node:util";
import { ConfigError, DEFAULTS, readConfig, type Config } from "../../lib/config";
import { nameProblem } from "../../lib/protocol";
import { CliError, UsageError, type Command, type GlobalOptions } from "./common";
import { cancel } from "./cancel";
import { creds } from "./creds";
import { cliCredsPath } from "./credential";
import { doctor } from "./doctor";
import { history } from "./history";
import { loginLink } from "./login-link";
import { ls } from "./ls";
import { search } from "./search";
import { broadcast, handoff, request, send } from "./send";
import { tail } from "./tail";
import { whoami } from "./whoami";

const COMMANDS: readonly Command[] = [
  ls,
  tail,
  history,
  search,
  send,
  request,
  handoff,
  broadcast,
  cancel,
  whoami,
  creds,
  loginLink,
  doctor,
];

const GLOBAL_OPTIONS = {
  nats: { type: "string" },
  as: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: switchboard <command> [options]",
    "",
    "Talk to Switchboard agents over NATS.",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "global options:",
    `  --nats URL   NATS server (default NATS_URL or ${DEFAULTS.natsUrl})`,
    "  --as NAME    speak as NAME, with its credential {dataDir}/creds/NAME.creds",
    "               (default NATS_CREDS, else {dataDir}/creds/cli.creds, made by npm start)",
    "  --json       machine-readable output",
    "  -h, --help   this help; switchboard <command> --help for a command's options",
    "",
    `environment: SWITCHBOARD_SUBJECT_ROOT (subject root, default ${DEFAULTS.subjectRoot}), NATS_URL,`,
    `  SWITCHBOARD_DATA_DIR (trust chain and creds files, default ${DEFAULTS.dataDir}), NATS_CREDS,`,
    "  NO_COLOR, COLUMNS, SWITCHBOARD_DEBUG; doctor also reads NATS_WS_URL and LLM_* (see the README)",
  ].join("\n");
}

function commandHelp(c: Command): string {
  const [synopsis, ...rest] = c.usage;
  return [`usage: switchboard ${synopsis}`, "", c.summary, ...(rest.length > 0 ? ["", ...rest] : [])].join(
    "\n",
  );
}

/** Index of the command word: the first argument that is neither an option nor an option's value. */
function commandIndex(argv: readonly string[]): number {
  const takesValue = new Set<string>();
  for (const options of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
    for (const [name, spec] of Object.entries(options))
      if (spec.type === "string") takesValue.add(`--${name}`);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return i + 1 < argv.length ? i + 1 : -1;
    if (!a.startsWith("-") || a === "-") return i;
    if (takesValue.has(a)) i++; // its value follows
  }
  return -1;
}

/** parseArgs' messages are long and mention its own remedies; say it shortly. */
function parseProblem(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const option = /'(--?[A-Za-z0-9-]+)/.exec(err.message ?? "")?.[1];
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return option === undefined ? "an option is missing its value" : `option ${option} needs a value`;
    default:
      return (err.message ?? String(e)).split(".")[0] ?? "bad command line";
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const at = commandIndex(argv);
  const name = at === -1 ? undefined : argv[at];
  const command = name === "help" ? undefined : COMMANDS.find((c) => c.name === name);
  if (name === "help") {
    const topic = COMMANDS.find((c) => c.name === argv[at + 1]);
    process.stdout.write(`${topic === undefined ? globalHelp() : commandHelp(topic)}\n`);
    return 0;
  }
  if (name !== undefined && command === undefined) throw new UsageError(`unknown command "${name}"`);

  const rest = at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 1)];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command?.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(parseProblem(e), command?.name);
  }
  const values = parsed.values;
  if (values.help === true) {
    process.stdout.write(`${command === undefined ? globalHelp() : commandHelp(command)}\n`);
    return 0;
  }
  if (command === undefined) throw new UsageError("missing command");
  if (!command.takesArguments && parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`, command.name);

  const as = typeof values.as === "string" ? values.as : undefined;
  const problem = as === undefined ? null : nameProblem(as, "--as name");
  if (problem !== null) throw new UsageError(problem, command.name);
  const config = settings();
  const g: GlobalOptions = {
    nats: typeof values.nats === "string" ? values.nats : config.natsUrl,
    credsPath: cliCredsPath(config, as),
    json: values.json === true,
    root: config.subjectRoot,
    config,
  };
  return command.run(g, values, parsed.positionals);
}

let debug = false;

/** The environment, read once for every command; a bad setting is a wrong invocation (exit 2). */
function settings(): Config {
  let config: Config;
  try {
    config = readConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 2);
    throw e;
  }
  debug = config.debug;
  return config;
}

function fail(e: unknown): number {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`switchboard: ${message.split("\n")[0]}\n`);
  if (e instanceof UsageError) {
    const c = COMMANDS.find((x) => x.name === e.command);
    process.stderr.write(
      c === undefined
        ? "usage: switchboard <command> [options]; switchboard --help lists the commands\n"
        : `usage: switchboard ${c.usage[0]}\n`,
    );
  } else if (!(e instanceof CliError) && debug && e instanceof Error) {
    process.stderr.write(`${e.stack}\n`);
  }
  return e instanceof CliError ? e.code : 1;
}

process.on("unhandledRejection", (e) => {
  process.exitCode = fail(e);
  process.exit();
});

const code = await main(process.argv.slice(2)).catch(fail);
process.exitCode = code;
// Everything is closed by now; should a stray handle linger, do not hang on it.
setTimeout(() => process.exit(), 1_000).unref();
