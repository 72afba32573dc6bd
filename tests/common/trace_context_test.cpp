#include "common/trace_context.hpp"

#include <gtest/gtest.h>

using namespace eventbed::tracing;

TEST(TraceContext, ParsesAndWritesBackAVersion00Traceparent) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto ctx = parse_traceparent(tp);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace[0], 0x4b);
  EXPECT_EQ(ctx->trace[15], 0x36);
  EXPECT_EQ(ctx->span[7], 0xb7);
  EXPECT_TRUE(ctx->sampled);
  EXPECT_EQ(ctx->traceparent(), tp);
  ctx->sampled = false;
  EXPECT_EQ(ctx->traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceContext, RejectsWhatW3CRejects) {
  for (const char* bad : {"", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"})
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
}

TEST(TraceContext, RandomIdsAreNeverZeroAndRoundTrip) {
  trace_context ctx{random_trace_id(), random_span_id(), true};
  EXPECT_NE(ctx.trace, trace_id{});
  EXPECT_NE(ctx.span, span_id{});
  EXPECT_NE(random_span_id(), ctx.span);
  auto back = parse_traceparent(ctx.traceparent());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->trace, ctx.trace);
  EXPECT_EQ(back->span, ctx.span);
}
