/*
 * test-varlink.c — the NUL framing: messages split across reads, several
 * in one read, the exact limit and one byte over, NUL inside a message,
 * empty messages; the write queue; call and reply parsing.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "varlink.h"

/* Feed all of s (len bytes); the buffer must take it in one go. */
static void
feed_all(struct varlink_rbuf *rb, const char *s, size_t len)
{
	cr_assert_eq(varlink_rbuf_feed(rb, s, len), (ssize_t)len);
}

static void
expect_msg(struct varlink_rbuf *rb, const char *want)
{
	char	*msg;
	size_t	 len;

	cr_assert_eq(varlink_next(rb, &msg, &len), VARLINK_MSG);
	cr_assert_eq(len, strlen(want));
	cr_assert_str_eq(msg, want);
}

static void
expect_none(struct varlink_rbuf *rb)
{
	char	*msg;
	size_t	 len;

	cr_assert_eq(varlink_next(rb, &msg, &len), VARLINK_NONE);
}

Test(framing, one_message_split_across_reads)
{
	struct varlink_rbuf	rb;

	varlink_rbuf_init(&rb, 1024);
	feed_all(&rb, "{\"method\":", 10);
	expect_none(&rb);
	feed_all(&rb, "\"a.b.C\"}", 8);
	expect_none(&rb);
	feed_all(&rb, "\0", 1);
	expect_msg(&rb, "{\"method\":\"a.b.C\"}");
	expect_none(&rb);
	cr_assert_eq(varlink_rbuf_pending(&rb), 0);
	varlink_rbuf_free(&rb);
}

Test(framing, byte_by_byte)
{
	struct varlink_rbuf	 rb;
	const char		 s[] = "{}\0{\"x\":1}";
	size_t			 i;

	varlink_rbuf_init(&rb, 16);
	for (i = 0; i < sizeof s; i++)
		feed_all(&rb, s + i, 1);
	expect_msg(&rb, "{}");
	expect_msg(&rb, "{\"x\":1}");
	expect_none(&rb);
	varlink_rbuf_free(&rb);
}

Test(framing, three_messages_in_one_read)
{
	struct varlink_rbuf	rb;
	const char		s[] = "{\"a\":1}\0{\"b\":2}\0{\"c\":3}\0{\"d\"";

	varlink_rbuf_init(&rb, 1024);
	feed_all(&rb, s, sizeof s - 1);
	expect_msg(&rb, "{\"a\":1}");
	expect_msg(&rb, "{\"b\":2}");
	expect_msg(&rb, "{\"c\":3}");
	expect_none(&rb);
	cr_assert_eq(varlink_rbuf_pending(&rb), 4);
	feed_all(&rb, ":4}\0", 4);
	expect_msg(&rb, "{\"d\":4}");
	varlink_rbuf_free(&rb);
}

Test(framing, message_of_exactly_the_limit_is_accepted)
{
	struct varlink_rbuf	rb;
	char			s[101];

	varlink_rbuf_init(&rb, 100);
	memset(s, 'x', 100);
	s[100] = '\0';
	feed_all(&rb, s, 101);
	expect_msg(&rb, s);
	/* and the buffer takes the next one just as well */
	feed_all(&rb, s, 101);
	expect_msg(&rb, s);
	varlink_rbuf_free(&rb);
}

Test(framing, one_byte_over_the_limit_is_too_large)
{
	struct varlink_rbuf	rb;
	char			s[102], *msg;
	size_t			len;

	varlink_rbuf_init(&rb, 100);
	memset(s, 'x', 101);
	s[101] = '\0';
	/* the buffer never takes more than the limit plus one byte */
	cr_assert_eq(varlink_rbuf_feed(&rb, s, 102), 101);
	cr_assert_eq(varlink_next(&rb, &msg, &len), VARLINK_TOO_LARGE);
	/* sticky: framing cannot resynchronise */
	cr_assert_eq(varlink_next(&rb, &msg, &len), VARLINK_TOO_LARGE);
	varlink_rbuf_free(&rb);
}

Test(framing, too_large_is_seen_before_the_nul_arrives)
{
	struct varlink_rbuf	rb;
	char			s[4096], *msg;
	size_t			len;
	int			i;

	memset(s, 'x', sizeof s);
	varlink_rbuf_init(&rb, 10000);
	for (i = 0; i < 2; i++) {
		feed_all(&rb, s, sizeof s);
		cr_assert_eq(varlink_next(&rb, &msg, &len), VARLINK_NONE);
	}
	cr_assert_eq(varlink_rbuf_feed(&rb, s, sizeof s), 10001 - 8192);
	cr_assert_eq(varlink_next(&rb, &msg, &len), VARLINK_TOO_LARGE);
	varlink_rbuf_free(&rb);
}

Test(framing, nul_inside_splits_the_message)
{
	struct varlink_rbuf	rb;
	const char		s[] = "{\"a\":\"x\0y\"}";

	varlink_rbuf_init(&rb, 1024);
	feed_all(&rb, s, sizeof s);
	expect_msg(&rb, "{\"a\":\"x");
	expect_msg(&rb, "y\"}");
	expect_none(&rb);
	varlink_rbuf_free(&rb);
}

Test(framing, empty_messages)
{
	struct varlink_rbuf	rb;

	varlink_rbuf_init(&rb, 1024);
	feed_all(&rb, "\0\0{}\0", 5);
	expect_msg(&rb, "");
	expect_msg(&rb, "");
	expect_msg(&rb, "{}");
	expect_none(&rb);
	varlink_rbuf_free(&rb);
}

Test(framing, zero_limit_takes_only_empty_messages)
{
	struct varlink_rbuf	rb;
	char			*msg;
	size_t			len;

	varlink_rbuf_init(&rb, 0);
	feed_all(&rb, "\0", 1);
	expect_msg(&rb, "");
	feed_all(&rb, "x", 1);
	cr_assert_eq(varlink_next(&rb, &msg, &len), VARLINK_TOO_LARGE);
	varlink_rbuf_free(&rb);
}

Test(framing, read_from_a_socket)
{
	struct varlink_rbuf	rb;
	int			sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(varlink_set_nonblock(sv[0]), 0);
	varlink_rbuf_init(&rb, 1024);
	cr_assert_eq(varlink_read(&rb, sv[0]), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(write(sv[1], "{}\0{\"z\":[]}\0", 12), 12);
	cr_assert_eq(varlink_read(&rb, sv[0]), 12);
	expect_msg(&rb, "{}");
	expect_msg(&rb, "{\"z\":[]}");
	close(sv[1]);
	cr_assert_eq(varlink_read(&rb, sv[0]), 0);
	close(sv[0]);
	varlink_rbuf_free(&rb);
}

Test(framing, full_buffer_reads_nothing_until_drained)
{
	struct varlink_rbuf	rb;
	int			sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	varlink_rbuf_init(&rb, 3);
	cr_assert_eq(write(sv[1], "ab\0cd\0", 6), 6);
	cr_assert_eq(varlink_read(&rb, sv[0]), 4);
	cr_assert_eq(varlink_read(&rb, sv[0]), -1);
	cr_assert_eq(errno, ENOBUFS);
	expect_msg(&rb, "ab");
	cr_assert_eq(varlink_read(&rb, sv[0]), 2);
	expect_msg(&rb, "cd");
	close(sv[0]);
	close(sv[1]);
	varlink_rbuf_free(&rb);
}

Test(wqueue, counts_and_flushes)
{
	struct varlink_wbuf	wb;
	struct varlink_rbuf	rb;
	int			sv[2];
	json_t			*j;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	varlink_wbuf_init(&wb);
	cr_assert_eq(varlink_wbuf_pending(&wb), 0);
	cr_assert_eq(varlink_wbuf_add(&wb, "{}", 2), 0);
	cr_assert_eq(varlink_wbuf_pending(&wb), 3);
	j = json_pack("{s:s}", "a", "b\0c");
	cr_assert_eq(varlink_wbuf_add_json(&wb, j), 0);
	json_decref(j);
	cr_assert_eq(varlink_wbuf_pending(&wb), 3 + 10);
	cr_assert_eq(varlink_wbuf_flush(&wb, sv[0]), 1);
	cr_assert_eq(varlink_wbuf_pending(&wb), 0);

	varlink_rbuf_init(&rb, 100);
	cr_assert_eq(varlink_read(&rb, sv[1]), 13);
	expect_msg(&rb, "{}");
	expect_msg(&rb, "{\"a\":\"b\"}");
	varlink_rbuf_free(&rb);
	varlink_wbuf_free(&wb);
	close(sv[0]);
	close(sv[1]);
}

/* A message given whole is taken as the buffer, or queued after another. */
static char *
given(const char *s)
{
	size_t	 n = strlen(s);
	char	*p = malloc(n + 1);

	memcpy(p, s, n);	/* no NUL: give writes it */
	return (p);
}

Test(wqueue, a_given_message_goes_out_in_order)
{
	struct varlink_wbuf	wb;
	struct varlink_rbuf	rb;
	int			sv[2];
	char			*p;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	varlink_wbuf_init(&wb);
	p = given("{\"big\":1}");
	cr_assert_eq(varlink_wbuf_give(&wb, p, 9), 0);
	cr_assert_eq(wb.buf, p, "nothing queued: the buffer is taken");
	cr_assert_eq(varlink_wbuf_pending(&wb), 10);
	cr_assert_eq(varlink_wbuf_add(&wb, "{}", 2), 0);
	/* something queued: copied after it */
	cr_assert_eq(varlink_wbuf_give(&wb, given("{\"x\":2}"), 7), 0);
	cr_assert_eq(varlink_wbuf_pending(&wb), 10 + 3 + 8);
	cr_assert_eq(varlink_wbuf_flush(&wb, sv[0]), 1);
	varlink_rbuf_init(&rb, 100);
	cr_assert_eq(varlink_read(&rb, sv[1]), 21);
	expect_msg(&rb, "{\"big\":1}");
	expect_msg(&rb, "{}");
	expect_msg(&rb, "{\"x\":2}");
	varlink_rbuf_free(&rb);
	varlink_wbuf_free(&wb);
	close(sv[0]);
	close(sv[1]);
}

Test(wqueue, keeps_what_a_full_socket_does_not_take)
{
	struct varlink_wbuf	 wb;
	static char		 big[256 * 1024];
	char			 sink[65536];
	size_t			 total = 0;
	ssize_t			 n;
	int			 sv[2], rc;

	memset(big, 'q', sizeof big);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(varlink_set_nonblock(sv[0]), 0);
	cr_assert_eq(varlink_set_nonblock(sv[1]), 0);
	varlink_wbuf_init(&wb);
	cr_assert_eq(varlink_wbuf_add(&wb, big, sizeof big), 0);
	cr_assert_eq(varlink_wbuf_add(&wb, big, sizeof big), 0);
	cr_assert_eq(varlink_wbuf_flush(&wb, sv[0]), 0);
	cr_assert_gt(varlink_wbuf_pending(&wb), 0);
	cr_assert_lt(varlink_wbuf_pending(&wb), 2 * (sizeof big + 1));
	/* drain the other end; the queue empties and its count follows */
	for (;;) {
		while ((n = read(sv[1], sink, sizeof sink)) > 0)
			total += (size_t)n;
		rc = varlink_wbuf_flush(&wb, sv[0]);
		cr_assert_neq(rc, -1);
		if (rc == 1 && varlink_wbuf_pending(&wb) == 0) {
			while ((n = read(sv[1], sink, sizeof sink)) > 0)
				total += (size_t)n;
			break;
		}
	}
	cr_assert_eq(total, 2 * (sizeof big + 1));
	varlink_wbuf_free(&wb);
	close(sv[0]);
	close(sv[1]);
}

Test(wqueue, flush_to_a_closed_peer_fails_without_sigpipe)
{
	struct varlink_wbuf	wb;
	int			sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	varlink_wbuf_init(&wb);
	cr_assert_eq(varlink_wbuf_add(&wb, "{}", 2), 0);
	cr_assert_eq(varlink_wbuf_flush(&wb, sv[0]), -1);
	cr_assert_eq(errno, EPIPE);
	varlink_wbuf_free(&wb);
	close(sv[0]);
}

Test(wqueue, drop_keeps_a_message_partly_written)
{
	struct varlink_wbuf	wb;

	varlink_wbuf_init(&wb);
	cr_assert_eq(varlink_wbuf_add(&wb, "{\"a\":1}", 7), 0);
	cr_assert_eq(varlink_wbuf_add(&wb, "{\"b\":2}", 7), 0);
	cr_assert_eq(varlink_wbuf_add(&wb, "{\"c\":3}", 7), 0);
	wb.off = 3;	/* as if a flush had sent three bytes */
	wb.mid = 1;
	varlink_wbuf_drop(&wb);
	cr_assert_eq(varlink_wbuf_pending(&wb), 5);
	cr_assert_eq(memcmp(wb.buf + wb.off, "\":1}", 5), 0);
	wb.off = wb.len;	/* on a message boundary: everything goes */
	wb.mid = 0;
	cr_assert_eq(varlink_wbuf_add(&wb, "{}", 2), 0);
	varlink_wbuf_drop(&wb);
	cr_assert_eq(varlink_wbuf_pending(&wb), 0);
	varlink_wbuf_free(&wb);
}

Test(wqueue, drop_after_a_partial_write_keeps_the_stream_whole)
{
	struct varlink_wbuf	 wb;
	struct varlink_rbuf	 rb;
	static char		 big[512 * 1024];
	char			*msg, last[64] = "";
	size_t			 len;
	ssize_t			 n;
	int			 sv[2], count = 0;

	memset(big, 'x', sizeof big);
	big[0] = '{';
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(varlink_set_nonblock(sv[0]), 0);
	varlink_wbuf_init(&wb);
	cr_assert_eq(varlink_wbuf_add(&wb, big, sizeof big), 0);
	cr_assert_eq(varlink_wbuf_add(&wb, "{\"b\":2}", 7), 0);
	cr_assert_eq(varlink_wbuf_flush(&wb, sv[0]), 0);
	/* more queued: the queue compacts, the partly sent message stays first */
	cr_assert_eq(varlink_wbuf_add(&wb, big, sizeof big), 0);
	varlink_wbuf_drop(&wb);
	cr_assert_eq(varlink_wbuf_add(&wb, "{\"error\":1}", 11), 0);
	varlink_rbuf_init(&rb, sizeof big);
	cr_assert_eq(varlink_set_nonblock(sv[1]), 0);
	for (;;) {
		cr_assert_neq(varlink_wbuf_flush(&wb, sv[0]), -1);
		n = varlink_read(&rb, sv[1]);
		while (varlink_next(&rb, &msg, &len) == VARLINK_MSG) {
			count++;
			snprintf(last, sizeof last, "%.*s", (int)len, msg);
		}
		if (n == -1 && varlink_wbuf_pending(&wb) == 0)
			break;
	}
	/* the first big one whole, then the error: nothing torn in between */
	cr_assert_eq(count, 2);
	cr_assert_str_eq(last, "{\"error\":1}");
	varlink_rbuf_free(&rb);
	varlink_wbuf_free(&wb);
	close(sv[0]);
	close(sv[1]);
}

Test(messages, call_round_trip)
{
	struct varlink_wbuf	wb;
	struct varlink_request	rq;
	const char		*why = NULL;

	varlink_wbuf_init(&wb);
	cr_assert_eq(varlink_wbuf_call(&wb, "io.supd.Supervisor.Events",
	    json_pack("{s:b}", "follow", 1), VARLINK_MORE), 0);
	cr_assert_eq(wb.buf[wb.len - 1], '\0');
	cr_assert_eq(varlink_request_parse(wb.buf, wb.len - 1, &rq, &why), 0);
	cr_assert_str_eq(rq.method, "io.supd.Supervisor.Events");
	cr_assert_eq(rq.flags, VARLINK_MORE);
	cr_assert(json_is_true(json_object_get(rq.params, "follow")));
	varlink_request_clear(&rq);
	varlink_wbuf_free(&wb);
}

Test(messages, call_without_parameters_gets_an_empty_object)
{
	struct varlink_request	rq;
	const char		*why = NULL, *s = "{\"method\":\"a.b.C\",\"oneway\":true}";

	cr_assert_eq(varlink_request_parse(s, strlen(s), &rq, &why), 0);
	cr_assert(json_is_object(rq.params));
	cr_assert_eq(json_object_size(rq.params), 0);
	cr_assert_eq(rq.flags, VARLINK_ONEWAY);
	varlink_request_clear(&rq);
}

Test(messages, bad_calls_say_why)
{
	static const struct {
		const char	*msg, *why;
	} bad[] = {
		{ "", "invalid JSON" },
		{ "{\"method\":", "invalid JSON" },
		{ "[1,2]", "the message is not a JSON object" },
		{ "{}", "\"method\" is missing or not a string" },
		{ "{\"method\":7}", "\"method\" is missing or not a string" },
		{ "{\"method\":\"a.b\",\"parameters\":[]}",
		    "\"parameters\" is not an object" },
		{ "{\"method\":\"a.b\",\"more\":1}",
		    "\"more\" or \"oneway\" is not a boolean" },
		{ "{\"method\":\"a\\u0000b\"}", "invalid JSON" },
	};
	struct varlink_request	rq;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		cr_assert_eq(varlink_request_parse(bad[i].msg,
		    strlen(bad[i].msg), &rq, &why), -1, "%s", bad[i].msg);
		cr_assert_str_eq(why, bad[i].why, "%s", bad[i].msg);
		cr_assert_null(rq.root);
	}
}

Test(messages, replies)
{
	struct varlink_reply	rp;
	const char		*why = NULL;
	const char		*ok = "{\"parameters\":{\"pid\":4242},\"continues\":true}";
	const char		*err = "{\"error\":\"io.supd.Supervisor.NotFound\","
				    "\"parameters\":{\"name\":\"w1\"}}";

	cr_assert_eq(varlink_reply_parse(ok, strlen(ok), &rp, &why), 0);
	cr_assert_null(rp.error);
	cr_assert_eq(rp.continues, 1);
	cr_assert_eq(json_integer_value(json_object_get(rp.params, "pid")), 4242);
	varlink_reply_clear(&rp);
	cr_assert_eq(varlink_reply_parse(err, strlen(err), &rp, &why), 0);
	cr_assert_str_eq(rp.error, "io.supd.Supervisor.NotFound");
	cr_assert_eq(rp.continues, 0);
	varlink_reply_clear(&rp);
	cr_assert_eq(varlink_reply_parse("{\"error\":1}", 11, &rp, &why), -1);
}

Test(connect, path_too_long_and_missing_socket)
{
	char	path[200];

	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	cr_assert_eq(varlink_connect(path, 0), -1);
	cr_assert_eq(errno, ENAMETOOLONG);
	cr_assert_eq(varlink_connect("/nonexistent/supd.sock", 0), -1);
	cr_assert_eq(errno, ENOENT);
}
