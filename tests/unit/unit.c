/* unit.c - the one Check runner: every suite of the engine and the platform layer, run from tests/unit/ (fixtures/...). */
#include <stdlib.h>

#include "tests.h"

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_add_suite(sr, parse_suite());
	srunner_add_suite(sr, match_suite());
	srunner_add_suite(sr, presets_suite());
	srunner_add_suite(sr, explain_suite());
	srunner_add_suite(sr, vectors_suite());
	srunner_add_suite(sr, compiled_suite());
	srunner_add_suite(sr, api_suite());
	srunner_add_suite(sr, ratelimit_suite());
	srunner_add_suite(sr, record_suite());
	srunner_add_suite(sr, dns_suite());
	srunner_add_suite(sr, answers_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
