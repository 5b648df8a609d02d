// Early-return helpers for absl::Status / absl::StatusOr (abseil 20220623 ships none).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SIDECAR_CONCAT_INNER(a, b) a##b
#define SIDECAR_CONCAT(a, b) SIDECAR_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    absl::Status sidecar_status_ = (expr);             \
    if (!sidecar_status_.ok()) return sidecar_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  SIDECAR_ASSIGN_OR_RETURN_IMPL(SIDECAR_CONCAT(sidecar_statusor_, __LINE__), lhs, expr)
#define SIDECAR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
