#!/usr/bin/env node
// The `switchboard` command (package.json "bin"): runs the TypeScript CLI through tsx, which is a
// runtime dependency, so an installed or linked package works without a build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
