/* keys: keypair files, permissions, and public keys given as text or file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

static void test_generate_and_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/shibao-keys.XXXXXX", prefix[64], path[80], err[256];
    assert_int_equal(fx_tmpdir(dir, sizeof dir, "keys"), 0);
    snprintf(prefix, sizeof prefix, "%s/v", dir);
    assert_int_equal(keys_generate(prefix, err, sizeof err), 0);
    struct stat st;
    snprintf(path, sizeof path, "%s.key", prefix);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    struct keypair kp;
    assert_int_equal(keys_load(prefix, &kp, err, sizeof err), 0);
    assert_true(keys_valid_z85(kp.public_key));
    /* never overwrite an existing key */
    assert_int_equal(keys_generate(prefix, err, sizeof err), -1);
    /* a secret readable by others is refused */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(keys_load(prefix, &kp, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by group or others"));
    assert_int_equal(fx_rmtree(dir), 0);
}

/* A file whose path is itself 40 characters of the Z85 alphabet: the file's
 * key is meant, not the path. */
static void test_public_key_file_wins_over_text(void **state)
{
    (void)state;
    char dir[] = "/tmp/shibao-keys.XXXXXX", prefix[64], path[80], err[256], pub[41], out[41];
    assert_int_equal(fx_tmpdir(dir, sizeof dir, "keys"), 0);
    snprintf(prefix, sizeof prefix, "%s/k", dir);
    assert_int_equal(keys_generate(prefix, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s.pub", prefix);
    assert_int_equal(keys_load_public(path, pub, err, sizeof err), 0);
    /* /tmp/shibao-keys.XXXXXX/ is 24 characters; 16 more make 40 */
    char odd[80];
    snprintf(odd, sizeof odd, "%s/abcdefghijklmnop", dir);
    assert_int_equal(strlen(odd), 40);
    assert_true(keys_valid_z85(odd));
    assert_int_equal(rename(path, odd), 0);
    assert_int_equal(keys_load_public(odd, out, err, sizeof err), 0);
    assert_string_equal(out, pub);
    /* the text form still works */
    assert_int_equal(keys_load_public(pub, out, err, sizeof err), 0);
    assert_string_equal(out, pub);
    /* neither a file nor a key */
    assert_int_equal(keys_load_public("/nonexistent/k.pub", out, err, sizeof err), -1);
    assert_int_equal(fx_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_and_load),
        cmocka_unit_test(test_public_key_file_wins_over_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
