/**
 * `deno task verdicts`: the verdicts of every reference and fixture, kept
 * to show that a change of the harness changes none.
 *
 *   deno task verdicts snapshot DIR [--lab L,L]   grade each one, a JSON report per file in DIR
 *   deno task verdicts compare BEFORE AFTER        list what differs (exit 1 if anything does)
 *
 * A snapshot grades with each lab's test settings (the suite's smaller
 * uploads) plus the fixture's own. Compared are each check's status, points,
 * rationale and hint; durations are not. A rationale that differs only in
 * its figures (a measured rate, a time) is listed apart, as "figures only".
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { grade } from "../harness/engine/grade.ts";
import { knownLabs, labPaths } from "../harness/config/labs.ts";
import type { GradeReport } from "../harness/report/model.ts";
import { mapLimited } from "../harness/engine/limit.ts";
import { loadFixtures } from "../harness/testing.ts";

/** Each lab's settings in its test file (`graders/<lab>_test.ts`). */
const TEST_SETTINGS: Record<string, Record<string, unknown>> = {
  "async-server": { upload_bytes: 8 << 20, concurrent_upload_bytes: 8 << 20 },
};

interface Subject {
  lab: string;
  name: string;
  dir: string;
  settings: Record<string, unknown>;
}

async function subjects(labs: string[]): Promise<Subject[]> {
  const all: Subject[] = [];
  for (const lab of labs) {
    const base = TEST_SETTINGS[lab] ?? {};
    for (const language of ["c", "python"]) {
      all.push({
        lab,
        name: `reference-${language}`,
        dir: join(labPaths(lab).referenceDir, language),
        settings: base,
      });
    }
    for (const fixture of await loadFixtures(lab)) {
      all.push({ lab, name: fixture.name, dir: fixture.dir, settings: { ...base, ...fixture.settings } });
    }
  }
  return all;
}

async function snapshot(out: string, labs: string[]): Promise<void> {
  await Deno.mkdir(out, { recursive: true });
  await mapLimited(await subjects(labs), 2, async (subject) => {
    const report = await grade({
      lab: subject.lab,
      submission: subject.dir,
      settings: subject.settings,
      jobs: 2,
    });
    await Deno.writeTextFile(
      join(out, `${subject.lab}--${subject.name}.json`),
      JSON.stringify(report, null, 1),
    );
    console.log(`${subject.lab} ${subject.name}: ${report.score}/${report.max_score}`);
  });
}

/** A text with its figures (and the words that hold one: times, ports, temporary paths) masked. */
const figuresOnly = (text: string) =>
  text.replace(/\S*\d\S*/g, "#").replace(/# (ms|s|MiB|KiB|GiB|bytes|[kMG]B\/s)\b/g, "#");

async function compare(before: string, after: string): Promise<number> {
  let differences = 0, figures = 0, files = 0;
  for await (const entry of Deno.readDir(before)) {
    if (!entry.name.endsWith(".json")) continue;
    files++;
    const old = JSON.parse(await Deno.readTextFile(join(before, entry.name))) as GradeReport;
    let now: GradeReport;
    try {
      now = JSON.parse(await Deno.readTextFile(join(after, entry.name)));
    } catch {
      console.log(`${entry.name}: missing after`);
      differences++;
      continue;
    }
    const checks = new Map(now.checks.map((c) => [c.id, c]));
    for (const check of old.checks) {
      const other = checks.get(check.id);
      if (!other) {
        console.log(`${entry.name} ${check.id}: missing after`);
        differences++;
        continue;
      }
      for (const field of ["status", "points", "max_points", "rationale", "hint"] as const) {
        if (check[field] === other[field]) continue;
        const text = (value: unknown) => String(value);
        if (
          (field === "rationale" || field === "hint") &&
          figuresOnly(text(check[field])) === figuresOnly(text(other[field]))
        ) {
          figures++;
          console.log(
            `${entry.name} ${check.id} ${field} (figures only):\n  - ${check[field]}\n  + ${other[field]}`,
          );
          continue;
        }
        differences++;
        console.log(`${entry.name} ${check.id} ${field}:\n  - ${check[field]}\n  + ${other[field]}`);
      }
    }
    if (old.checks.length !== now.checks.length) {
      console.log(`${entry.name}: ${old.checks.length} checks before, ${now.checks.length} after`);
      differences++;
    }
  }
  console.log(`${files} reports compared: ${differences} differences, ${figures} in figures only`);
  return differences;
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { lab: { type: "string" } },
  });
  const [mode, a, b] = positionals;
  if (mode === "snapshot" && a) {
    await snapshot(a, values.lab ? values.lab.split(",") : knownLabs());
  } else if (mode === "compare" && a && b) {
    Deno.exit((await compare(a, b)) > 0 ? 1 : 0);
  } else {
    console.error("usage: deno task verdicts snapshot DIR [--lab L,L] | compare BEFORE AFTER");
    Deno.exit(2);
  }
}
