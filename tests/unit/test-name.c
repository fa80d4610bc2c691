/*
 * test-name.c — the contract's name pattern [A-Za-z0-9][A-Za-z0-9_.@-]{0,63}:
 * the longest name and one more, the first character, every allowed and some
 * refused characters, and the sentence that says why.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "name.h"

static void
expect_invalid(const char *s, const char *why_want)
{
	const char	*why = NULL;

	cr_assert_eq(name_valid(s, &why), 0, "\"%s\" accepted", s);
	cr_assert_str_eq(why, why_want);
}

Test(name, plain_names_are_valid)
{
	cr_assert_eq(name_valid("web", NULL), 1);
	cr_assert_eq(name_valid("a", NULL), 1);
	cr_assert_eq(name_valid("7", NULL), 1);
	cr_assert_eq(name_valid("Cache2", NULL), 1);
}

Test(name, every_allowed_character_after_the_first)
{
	const char	*why = "untouched";

	cr_assert_eq(name_valid("a_b.c@d-e", &why), 1);
	cr_assert_eq(name_valid("job@host.example-1_2", NULL), 1);
	cr_assert_str_eq(why, "untouched", "why is set on success");
}

Test(name, sixty_four_characters_are_valid)
{
	char	s[65];

	memset(s, 'x', 64);
	s[64] = '\0';
	cr_assert_eq(name_valid(s, NULL), 1);
}

Test(name, sixty_five_characters_are_too_long)
{
	char	s[66];

	memset(s, 'x', 65);
	s[65] = '\0';
	expect_invalid(s, "name is longer than 64 characters");
}

Test(name, empty_and_null_are_invalid)
{
	expect_invalid("", "name is empty");
	expect_invalid(NULL, "name is empty");
}

Test(name, first_character_must_be_a_letter_or_digit)
{
	expect_invalid("_x", "name must start with a letter or a digit");
	expect_invalid(".x", "name must start with a letter or a digit");
	expect_invalid("@x", "name must start with a letter or a digit");
	expect_invalid("-x", "name must start with a letter or a digit");
	expect_invalid(" x", "name must start with a letter or a digit");
}

Test(name, other_characters_are_refused)
{
	const char	*bad[] = { "a b", "a/b", "a:b", "a,b", "a$b", "a*b",
	    "a\tb", "caf\xc3\xa9", "a\nb", "a;b" };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_invalid(bad[i],
		    "name may hold only letters, digits and _ . @ -");
}

Test(name, why_may_be_null)
{
	cr_assert_eq(name_valid("a b", NULL), 0);
	cr_assert_eq(name_valid("", NULL), 0);
}
