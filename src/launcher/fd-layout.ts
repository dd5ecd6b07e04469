// Which fd carries what when nook starts the launcher: one owner for the numbers that the
// directives (`seccomp-fd N`) and the spawn's stdio array must agree on.
//   spawned and waited for (cp's and export's tar): 3 the directives, 4 the seccomp program;
//   detached (run -d, start, exec -d) and judge mode (run --limits/--result, spawned and waited
//   for): 3 the directives, 4 the status lines, 5 the program.
// A foreground run or exec execs the launcher in place: its memfd keeps whatever number it got.

export const ARGS_FD = 3;

export const SPAWNED_SECCOMP_FD = 4;

export const DETACHED_STATUS_FD = 4;
/** The first of the detached launcher's extra fds: the seccomp program, when there is one. */
export const DETACHED_SECCOMP_FD = 5;
