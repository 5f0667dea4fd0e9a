/*
 * Secrets are references, resolved at use and never logged:
 * env:NAME, file:PATH (mode 0600 or stricter), cmd:COMMAND (its first line of stdout).
 */
#ifndef SECRET_H
#define SECRET_H

/* Is ref a well-formed reference? Returns 0, or -1 and sets *cause. */
int	 secret_valid(const char *ref, char **cause);
/* Can it be read now (variable set, file private and readable, command found)? */
int	 secret_check(const char *ref, char **cause);
/* Resolve to the secret (caller frees with secret_free, which wipes it). */
char	*secret_resolve(const char *ref, char **cause);
void	 secret_free(char *);
/* Refuse a file that group or others can read: -1 with a message saying how to fix it. */
int	 secret_check_mode(const char *path, char **cause);
/* How long a cmd: may run before it is killed (default 10 s); for tests. */
void	 secret_set_cmd_timeout_ms(int);

#endif
