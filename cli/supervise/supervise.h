/* supervise.h - private to netjail run --supervise: seccomp.c (the filter), supervise.c (the
 * launch and the workers), notify.c (one notification: read, decide, answer, log). */
#ifndef NJ_SUPERVISE_H
#define NJ_SUPERVISE_H

#include <linux/seccomp.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "sys/exec.h"
#include "sys/sys.h"

/* In the child, before exec: PR_SET_NO_NEW_PRIVS, then the filter (seccomp.c's comment), built
 * for the rule set set, with a new listener.  Returns the listener (close-on-exec) or -errno. */
int nj_seccomp_install(const struct nj_rules *set);

/* socket(2) of a 32-bit (i386) program: the one i386 number the filter asks about
 * (arch/x86/entry/syscalls/syscall_32.tbl) */
#define NJ_I386_SOCKET 359u

/* NULL when this kernel and machine can run the supervisor, else why not (a static string). */
const char *nj_seccomp_unsupported(void);

/* What every worker shares; immutable once the workers start. */
struct nj_super {
	int listener; /* the seccomp listener */
	const struct nj_rules *set;
	int audit; /* log "would deny" and let the call proceed */
	struct nj_log log; /* where and how denials are written */
};

/* Answer one notification: read what the caller passed from its memory, decide as the
 * preload would, log a denial, and send the answer (connect performed here, on our copy;
 * see notify.c).  Safe from any number of threads at once; blocks as long as an allowed
 * blocking connect takes. */
void nj_notify_handle(const struct nj_super *s, const struct seccomp_notif *req);

/* When the tree has exited: the lines rate-limiting held back since their last summary. */
void nj_notify_flush(const struct nj_super *s);

#endif
