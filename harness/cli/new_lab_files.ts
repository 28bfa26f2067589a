/**
 * Every file of a lab scaffolded by `deno task new-lab`, as text: the
 * assignment and its starter code, `task.yaml`, the grader with one example
 * check, its one-line test, both reference pairs and two fixtures (one that
 * does not build, one that fails the example check). Together they pass the
 * regression suite every lab gets, so the new lab's tests run, and pass,
 * before the author has written anything.
 *
 * @module
 */

import {
  cClient,
  cServer,
  cStarter,
  MAKEFILE,
  pythonClient,
  pythonServer,
  withBug,
} from "./new_lab_programs.ts";

/** One file to write: its path from the repository root, its text, and what it is for. */
export interface LabFile {
  path: string;
  text: string;
  purpose: string;
}

/** The id of the scaffold's example check. */
export const EXAMPLE_CHECK = "server-echoes-lines";

/**
 * The files of a new lab `lab`, in the order they are listed to the author.
 *
 * @example
 * ```ts
 * import { labFiles } from "./new_lab_files.ts";
 * labFiles("echo").map((f) => f.path).includes("graders/echo.ts"); // true
 * ```
 */
export function labFiles(lab: string): LabFile[] {
  const server = cServer(lab);
  const client = cClient(lab);
  const fixture = (name: string, bug: string, fails: string[], serverSource: string): LabFile[] => [
    { path: `fixtures/${lab}/${name}/Makefile`, text: MAKEFILE, purpose: "" },
    { path: `fixtures/${lab}/${name}/server.c`, text: serverSource, purpose: "" },
    { path: `fixtures/${lab}/${name}/client.c`, text: client, purpose: "" },
    {
      path: `fixtures/${lab}/${name}/expected.yaml`,
      text: expectedYaml(bug, fails),
      purpose: `a fixture: ${bug} It must fail: ${fails.join(", ")}.`,
    },
  ];
  return [
    { path: `tasks/${lab}/README.md`, text: assignment(lab), purpose: "the assignment students read" },
    {
      path: `tasks/${lab}/task.yaml`,
      text: taskYaml(lab),
      purpose: "task.yaml: points, hints, limits, setting values",
    },
    { path: `tasks/${lab}/Makefile`, text: MAKEFILE, purpose: "" },
    { path: `tasks/${lab}/server.c`, text: cStarter(lab, "server"), purpose: "" },
    {
      path: `tasks/${lab}/client.c`,
      text: cStarter(lab, "client"),
      purpose: "starter code that builds and does nothing yet",
    },
    {
      path: `graders/${lab}.ts`,
      text: grader(lab),
      purpose: `the grader (one example check: ${EXAMPLE_CHECK})`,
    },
    { path: `graders/${lab}_test.ts`, text: graderTest(lab), purpose: "the lab's regression suite" },
    { path: `reference/${lab}/c/Makefile`, text: MAKEFILE, purpose: "" },
    { path: `reference/${lab}/c/server.c`, text: server, purpose: "" },
    {
      path: `reference/${lab}/c/client.c`,
      text: client,
      purpose: "the C reference pair: peers of the submission's programs, graded to full marks",
    },
    { path: `reference/${lab}/python/server.py`, text: pythonServer(lab), purpose: "" },
    {
      path: `reference/${lab}/python/client.py`,
      text: pythonClient(lab),
      purpose: "the Python reference pair",
    },
    ...fixture(
      "build-error",
      "server.c does not compile (a missing semicolon); every other check is skipped.",
      ["build"],
      withBug(server, "close(listener);", "close(listener) /* BUG: the missing semicolon */"),
    ),
    ...fixture(
      "server-answers-once",
      "The server sends back the first message only, then closes the connection.",
      [EXAMPLE_CHECK],
      withBug(
        server,
        `if (send_all(client, buffer, (size_t)received) < 0) die("send");`,
        `if (send_all(client, buffer, (size_t)received) < 0) die("send");
    break; /* BUG: one answer, then the connection is closed */`,
      ),
    ),
  ];
}

/** `tasks/<lab>/README.md`: what students read. */
function assignment(lab: string): string {
  return `# Lab: ${lab} — an echo server and its client

> Scaffolded by \`deno task new-lab\`: replace this text with the lab's
> assignment. It describes what the scaffold's reference programs do and its
> one example check verifies.

Write two C programs, \`server\` and \`client\`, that talk over one TCP
connection on \`127.0.0.1:5000\`. (Python is accepted too: \`server.py\` and
\`client.py\`, run with \`python3\`.)

- The **server** listens on \`127.0.0.1:5000\`, accepts one client, and sends
  back every message it receives, unchanged, until the client closes the
  connection (\`recv()\` returns 0); then it closes its side and exits with
  status 0.
- The **client** connects to the server, then reads lines from its standard
  input: it sends each line, waits until the server has sent it back, and
  prints it. At the end of its input it closes the connection and exits with
  status 0.

Build with \`make\`, then check your work with \`npx socklab grade ${lab} --submission .\`.
`;
}

/** `tasks/<lab>/task.yaml`: the check ids with their points, the limits, the setting values. */
function taskYaml(lab: string): string {
  return `# The ${lab} lab: checks, points and limits.
# Instructors: change points and limits here; each check's title, what it needs and whether it is advice
# are declared beside its code in graders/${lab}.ts.
lab: ${lab}
title: An echo server and its client
port: 5000
limits:
  step_timeout_ms: 3000 # one wait: a line printed, a message received, an exit
  check_timeout_ms: 20000 # one whole check, hard stop
  build_timeout_ms: 60000
settings:
  lines: 3 # the lines the harness client sends (declared, with its type, in the grader)
checks:
  - id: build
    points: 1
    hint: Fix the first error the compiler reports; later ones often follow from it.

  - id: ${EXAMPLE_CHECK}
    points: 2
`;
}

/** `graders/<lab>.ts`: a grader with its one example check. */
function grader(lab: string): string {
  return `/**
 * Grader of the \`${lab}\` lab: an echo server and its client.
 *
 * Scaffolded by \`deno task new-lab\` with one example check. Write the lab's
 * checks here (each with an entry in tasks/${lab}/task.yaml and a fixture that
 * fails it), as docs/writing-a-lab.md describes.
 *
 * @module
 */

import { check, defineGrader, require, z } from "../harness/mod.ts";

export default defineGrader({
  lab: "${lab}",
  // Valued in tasks/${lab}/task.yaml (or with --set), validated before any check runs.
  settings: { lines: z.number().int().positive().default(3) },
  checks: {
    "${EXAMPLE_CHECK}": check({
      title: "Your server sends back each line a client sends",
      run: async (t) => {
        const server = await t.startServer(t.submission);
        const peer = await t.connect();
        // One line at a time: each must come back before the next is sent.
        for (let i = 1; i <= t.settings.lines; i++) {
          const line = \`line \${i} of \${t.settings.lines}\\n\`;
          await peer.send(line);
          await peer.expectReceived(line, {
            timeoutMs: t.step,
            because: "the line the harness client sent",
            hint: "send back the bytes recv() returned, then call recv() again for the next message",
          });
        }
        require(
          server.running,
          "the server ended while its client was still connected",
          "serve the client until recv() returns 0",
        );
      },
    }),
  },
});
`;
}

/** `graders/<lab>_test.ts`: the regression suite every lab gets. */
function graderTest(lab: string): string {
  return `import { defineLabTests } from "../harness/testing.ts";

defineLabTests("${lab}");
`;
}

/** A fixture's `expected.yaml`. */
function expectedYaml(bug: string, fails: string[]): string {
  return `bug: ${JSON.stringify(bug)}\nfails:\n${fails.map((id) => `  - ${id}\n`).join("")}`;
}
