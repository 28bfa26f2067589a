/**
 * Why this machine refuses the unprivileged user namespaces a grader that
 * is not root needs, and the exact remedy: read from the kernel's switches
 * (the files under /proc/sys) and the error `unshare` printed.
 *
 * - Ubuntu 23.10 and later (24.04 LTS by default) mediate them with
 *   AppArmor: `kernel.apparmor_restrict_unprivileged_userns = 1` lets an
 *   unconfined program create one but takes every capability in it, so
 *   `unshare --map-root-user` fails writing its uid map or mounting /proc.
 * - Debian's and older Ubuntu kernels: `kernel.unprivileged_userns_clone = 0`.
 * - Any kernel: `user.max_user_namespaces = 0` (RHEL 7's default).
 *
 * @module
 */

/** Reads a file of /proc/sys, or undefined when it does not exist. */
export type SysctlReader = (path: string) => string | undefined;

/** One cause: the switch, the value that refuses, and the remedy. */
interface Cause {
  path: string;
  name: string;
  refuses: (value: string) => boolean;
  why: string;
  remedy: string;
}

const CAUSES: Cause[] = [
  {
    path: "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    name: "kernel.apparmor_restrict_unprivileged_userns",
    refuses: (value) => value === "1",
    why: "AppArmor restricts unprivileged user namespaces (Ubuntu's default since 23.10)",
    remedy: "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
  },
  {
    path: "/proc/sys/kernel/unprivileged_userns_clone",
    name: "kernel.unprivileged_userns_clone",
    refuses: (value) => value === "0",
    why: "the kernel forbids unprivileged user namespaces",
    remedy: "sudo sysctl -w kernel.unprivileged_userns_clone=1",
  },
  {
    path: "/proc/sys/user/max_user_namespaces",
    name: "user.max_user_namespaces",
    refuses: (value) => value === "0",
    why: "the kernel allows no user namespace at all",
    remedy: "sudo sysctl -w user.max_user_namespaces=10000",
  },
];

/**
 * The cause and remedy of a refused user namespace, for the warning the
 * report carries, or undefined when none of the known switches refuses
 * (then `unshare`'s own error is all there is to say).
 *
 * @example
 * ```ts
 * import { userNamespaceRefusal } from "./userns_refusal.ts";
 * const files: Record<string, string> = { "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1\n" };
 * userNamespaceRefusal("unshare: write failed /proc/self/uid_map: Operation not permitted", (p) => files[p]);
 * // "AppArmor restricts unprivileged user namespaces (… kernel.apparmor_restrict_unprivileged_userns = 1); …"
 * ```
 */
export function userNamespaceRefusal(errorText: string, read: SysctlReader = readSysctl): string | undefined {
  for (const cause of CAUSES) {
    const value = read(cause.path)?.trim();
    if (value === undefined || !cause.refuses(value)) continue;
    return `${cause.why} (${cause.name} = ${value}): to allow them, ${cause.remedy} (until the next boot; ` +
      `'${
        cause.remedy.split(" -w ")[1]
      }' in a file of /etc/sysctl.d/ keeps it), or run the grader as root, ` +
      "which needs no user namespace";
  }
  // The switch could not be read (a container's /proc/sys), but the error is AppArmor's usual one.
  if (/uid_map|setgroups/.test(errorText) && /Permission denied|Operation not permitted/.test(errorText)) {
    return "the user namespace was created but gets no capabilities, as under AppArmor's restriction " +
      "(kernel.apparmor_restrict_unprivileged_userns = 1): to allow them, " +
      "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or run the grader as root";
  }
  return undefined;
}

function readSysctl(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}
