// The plugin's exit codes, for every command: 0 done, 1 an error (one line saying what),
// 2 a gate met (--fail-on, a FAIL check, a regression), 130 interrupted (128 + SIGINT, as shells report it).
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_GATE = 2;
export const EXIT_INTERRUPTED = 130;
