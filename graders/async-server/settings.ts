/**
 * The settings of the `async-server` lab, valued in its `task.yaml` (or with
 * `--set`) and validated before any check runs.
 *
 * @module
 */

import { z } from "../../harness/mod.ts";
import type { CheckContext, SettingsOf } from "../../harness/mod.ts";

const bytes = z.number().int().positive();

/**
 * The lab's settings schema.
 *
 * @example
 * ```ts
 * import { ASYNC_SERVER_SETTINGS } from "./settings.ts";
 * ASYNC_SERVER_SETTINGS.upload_bytes.parse(1 << 30); // 1073741824
 * ```
 */
export const ASYNC_SERVER_SETTINGS = {
  /** The single upload and the client's test-file.txt. */
  upload_bytes: bytes,
  /** The longest the single upload may take at the pace measured on its first megabytes. */
  upload_budget_ms: z.number().int().positive(),
  /** The upload that must go through while another client is stalled mid-upload. */
  concurrent_upload_bytes: bytes,
  /** The throughput advice's floor, in MB per second of CPU the program uses. */
  min_upload_mb_s: z.number().positive(),
};

/** The lab's settings, as its checks read them (`t.settings.upload_bytes`). */
export type AsyncServerSettings = SettingsOf<typeof ASYNC_SERVER_SETTINGS>;

/** A check's context in this lab, its settings typed. */
export type AsyncServerContext = CheckContext<AsyncServerSettings>;
