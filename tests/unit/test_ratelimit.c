/* test_ratelimit.c - identical lines: the first few written, then counted summaries; every
 * line is accounted for, distinct lines are apart, threads lose no count. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "sys/sys.h"

/* Note text n times; returns how many were written, and adds up what they stood for. */
static unsigned long
note_n(const char *text, unsigned long n, unsigned long *ret_events)
{
	unsigned long written = 0;

	*ret_events = 0;
	for (unsigned long i = 0; i < n; i++) {
		unsigned long held;

		if (nj_rl_note(text, strlen(text), text, strlen(text), &held) == NJ_RL_WRITE) {
			written++;
			*ret_events += 1 + held;
		} else {
			ck_assert_uint_eq(held, 0);
		}
	}
	return written;
}

static unsigned long flushed_events;
static char flushed_text[NJ_LINE_MAX];

static void
on_flush(const char *line, size_t len, unsigned long held, void *arg)
{
	const char *want = arg;

	if (len == strlen(want) && memcmp(line, want, len) == 0) {
		flushed_events += 1 + held;
		memcpy(flushed_text, line, len);
		flushed_text[len] = '\0';
	}
}

START_TEST(test_ratelimit_counts_every_line)
{
	const char *line = "netjail: deny connect tcp 10.9.9.9:8080 (redis-server[42]): x";
	unsigned long events, written = note_n(line, 1234, &events);

	/* 1, 2, 3, 10, 100, 1000 */
	ck_assert_uint_eq(written, 6);
	ck_assert_uint_eq(events, 1000);
	flushed_events = 0;
	nj_rl_flush(on_flush, (void *)line);
	ck_assert_uint_eq(flushed_events, 234);
	ck_assert_str_eq(flushed_text, line);
	/* flushed once: nothing more to say */
	flushed_events = 0;
	nj_rl_flush(on_flush, (void *)line);
	ck_assert_uint_eq(flushed_events, 0);
}
END_TEST

START_TEST(test_ratelimit_few_lines_all_written)
{
	unsigned long events;

	ck_assert_uint_eq(note_n("a line written three times", 3, &events), 3);
	ck_assert_uint_eq(events, 3);
}
END_TEST

START_TEST(test_ratelimit_lines_apart)
{
	unsigned long e1, e2;

	ck_assert_uint_eq(note_n("netjail: deny connect tcp 10.0.0.1:1 (p[1]): x", 5, &e1), 3);
	/* another line (here: another process) has its own count */
	ck_assert_uint_eq(note_n("netjail: deny connect tcp 10.0.0.1:1 (p[2]): x", 5, &e2), 3);
}
END_TEST

/* More distinct lines than the table holds: the ones without a place are written. */
START_TEST(test_ratelimit_full_table_writes)
{
	char text[64];
	unsigned long events, written = 0;

	for (int i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "distinct line %d", i);
		written += note_n(text, 1, &events);
	}
	ck_assert_uint_eq(written, 1000);
}
END_TEST

static void *
noter(void *arg)
{
	unsigned long *events = arg;

	note_n("netjail: deny connect tcp 10.7.7.7:80 (t[7]): from threads", 25000, events);
	return NULL;
}

START_TEST(test_ratelimit_threads_lose_nothing)
{
	pthread_t t[4];
	unsigned long events[4], total = 0;
	const char *line = "netjail: deny connect tcp 10.7.7.7:80 (t[7]): from threads";

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, noter, &events[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += events[i];
	}
	flushed_events = 0;
	nj_rl_flush(on_flush, (void *)line);
	ck_assert_uint_eq(total + flushed_events, 100000);
}
END_TEST

/* A fork child holds none of its parent's counts: it writes its own lines from the first,
 * and summarises none of its parent's at its exit. */
START_TEST(test_ratelimit_fork_child_starts_afresh)
{
	const char *line = "netjail: deny connect tcp 10.8.8.8:80 (f[8]): before the fork";
	unsigned long events;
	int st;
	pid_t pid;

	ck_assert_uint_eq(note_n(line, 7, &events), 3);
	if ((pid = fork()) == 0) {
		flushed_events = 0;
		nj_rl_flush(on_flush, (void *)line);
		if (flushed_events != 0)
			_exit(1);
		_exit(note_n(line, 3, &events) == 3 ? 0 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	flushed_events = 0;
	nj_rl_flush(on_flush, (void *)line);
	ck_assert_uint_eq(flushed_events, 4);
}
END_TEST

/* The line that is kept for the summary at exit is the one written, not the key. */
START_TEST(test_ratelimit_keeps_the_written_line)
{
	const char *k = "netjail: deny connect tcp 10.6.6.6:80 (k[6]): the key";
	const char *line = "{\"v\":1,\"time\":\"...\"}";
	unsigned long held;

	for (int i = 0; i < 5; i++)
		nj_rl_note(k, strlen(k), line, strlen(line), &held);
	flushed_events = 0;
	nj_rl_flush(on_flush, (void *)line);
	ck_assert_uint_eq(flushed_events, 2);
}
END_TEST

Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");

	tcase_add_test(tc, test_ratelimit_counts_every_line);
	tcase_add_test(tc, test_ratelimit_few_lines_all_written);
	tcase_add_test(tc, test_ratelimit_lines_apart);
	tcase_add_test(tc, test_ratelimit_threads_lose_nothing);
	tcase_add_test(tc, test_ratelimit_fork_child_starts_afresh);
	tcase_add_test(tc, test_ratelimit_keeps_the_written_line);
	tcase_add_test(tc, test_ratelimit_full_table_writes); /* last: it fills the table */
	suite_add_tcase(s, tc);
	return s;
}
