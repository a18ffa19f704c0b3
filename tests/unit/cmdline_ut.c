/* Host tests for lib/common/cmdline.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/cmdline.c"

static void test_unescape(void **state)
{
	(void)state;
	char s[] = "note=\\\"a b\\\" it\\'s back\\\\slash \\n end\\";
	cmdline_unescape(s);
	assert_string_equal(s, "note=\"a b\" it's back\\slash \\n end\\");
	char empty[] = "";
	cmdline_unescape(empty);
	assert_string_equal(empty, "");
}

static void test_get(void **state)
{
	(void)state;
	char v[16];
	const char *cl = "quiet test=a,b,all  fault=pf\twx=text empty= last";

	assert_true(cmdline_get(cl, "test", v, sizeof(v)));
	assert_string_equal(v, "a,b,all");
	assert_true(cmdline_get(cl, "fault", v, sizeof(v)));
	assert_string_equal(v, "pf");
	assert_true(cmdline_get(cl, "wx", v, sizeof(v)));
	assert_string_equal(v, "text");
	assert_true(cmdline_get(cl, "empty", v, sizeof(v)));
	assert_string_equal(v, "");

	assert_false(cmdline_get(cl, "quiet", v, sizeof(v))); /* no value */
	assert_false(cmdline_get(cl, "tes", v, sizeof(v)));   /* prefix only */
	assert_false(cmdline_get(cl, "t", v, sizeof(v)));
	assert_false(cmdline_get(cl, "missing", v, sizeof(v)));
	assert_false(cmdline_get(cl, "", v, sizeof(v)));
	assert_false(cmdline_get("", "test", v, sizeof(v)));
	assert_false(cmdline_get(NULL, "test", v, sizeof(v)));
}

static void test_get_truncates_and_last_wins(void **state)
{
	(void)state;
	char v[4];

	memset(v, 'X', sizeof(v));
	assert_true(cmdline_get("k=abcdefgh", "k", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_true(cmdline_get("k=abcdefgh", "k", NULL, 0));

	assert_true(cmdline_get("k=1 other k=2", "k", v, sizeof(v)));
	assert_string_equal(v, "2");
	assert_true(cmdline_get("  k=3  ", "k", v, sizeof(v)));
	assert_string_equal(v, "3");
	/* a value may itself hold '=' */
	assert_true(cmdline_get("k=a=b", "k", v, sizeof(v)));
	assert_string_equal(v, "a=b");
}

static void test_has(void **state)
{
	(void)state;
	const char *cl = "quiet test=all debug";

	assert_true(cmdline_has(cl, "quiet"));
	assert_true(cmdline_has(cl, "test"));
	assert_true(cmdline_has(cl, "debug"));
	assert_true(cmdline_has(cl, "test=all"));
	assert_false(cmdline_has(cl, "qui"));
	assert_false(cmdline_has(cl, "quietly"));
	assert_false(cmdline_has(cl, "all"));
	assert_false(cmdline_has(cl, ""));
	assert_false(cmdline_has("", "quiet"));
	assert_false(cmdline_has(NULL, "quiet"));
}

static void test_list_has(void **state)
{
	(void)state;

	assert_true(cmdline_list_has("a,b,all", "a"));
	assert_true(cmdline_list_has("a,b,all", "b"));
	assert_true(cmdline_list_has("a,b,all", "all"));
	assert_true(cmdline_list_has("pt", "pt"));
	assert_false(cmdline_list_has("a,b,all", "al"));
	assert_false(cmdline_list_has("a,b,all", "alls"));
	assert_false(cmdline_list_has("pt_walk", "pt"));
	assert_false(cmdline_list_has("", "a"));
	assert_false(cmdline_list_has("a,,b", ""));
	assert_false(cmdline_list_has(NULL, "a"));
	/* a list taken straight from the command line ends at a space */
	assert_true(cmdline_list_has("x,y other", "y"));
	assert_false(cmdline_list_has("x,y other", "other"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_get_truncates_and_last_wins),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_list_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
