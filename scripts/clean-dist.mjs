// Empties dist/ before a build: tsc only adds and overwrites, so the output of a
// source file since renamed or deleted would otherwise stay, and ship in the package.
import { rmSync } from "node:fs";

rmSync(new URL("../dist/", import.meta.url), { recursive: true, force: true });
