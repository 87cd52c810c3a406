// gradient.h is usable from C++: it compiles as C++11 with -Wall -Wextra -Wpedantic
// -Werror, its declarations have C linkage (this program links against the C library),
// its enums have a fixed 32-bit underlying type, and a few calls work.
// Exit status 0 means every check passed.
#include "gradient.h"
#include "gradient.h" // twice: the include guard must work

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_same<std::underlying_type<grad_status>::type, int32_t>::value,
              "grad_status is int32_t-based");
static_assert(std::is_same<std::underlying_type<grad_dtype>::type, int32_t>::value,
              "grad_dtype is int32_t-based");
static_assert(sizeof(grad_spacing) == 16 + sizeof(void *) + sizeof(size_t) + sizeof(ptrdiff_t),
              "grad_spacing has its C layout");
static_assert(GRAD_MAX_NDIM == 64, "GRAD_MAX_NDIM");

namespace {

int failures = 0;

void check(bool ok, const char *what) {
    if (!ok) {
        std::printf("FAIL %s\n", what);
        ++failures;
    }
}

} // namespace

int main() {
    // np.gradient([[1., 2, 6], [3, 4, 5]]) through both entry points.
    const double f[6] = {1, 2, 6, 3, 4, 5};
    const size_t shape[2] = {2, 3};
    const double want[12] = {2, 2, -1, 2, 2, -1, 1, 2.5, 4, 1, 1, 1};
    double stacked[12];
    grad_status status =
        grad_gradient_f64(f, 2, shape, GRAD_LAYOUT_ROW_MAJOR, nullptr, 1, stacked, 12, 0);
    check(status == GRAD_STATUS_OK, "grad_gradient_f64 returns GRAD_STATUS_OK");
    check(std::memcmp(stacked, want, sizeof want) == 0, "grad_gradient_f64 values");

    double d0[6], d1[6];
    void *const outs[2] = {d0, d1};
    grad_spacing spacing[2] = {};
    spacing[1].kind = GRAD_SPACING_KIND_SCALAR;
    spacing[1].h = 1.0;
    status = grad_gradient(GRAD_DTYPE_F64, f, 2, shape, nullptr, spacing, 2, nullptr, 0, 1, outs,
                           2, nullptr, 0);
    check(status == GRAD_STATUS_OK, "grad_gradient returns GRAD_STATUS_OK");
    check(std::memcmp(d0, want, sizeof d0) == 0 && std::memcmp(d1, want + 6, sizeof d1) == 0,
          "grad_gradient values");

    // A failure: its status, message and detail.
    status = grad_gradient(GRAD_DTYPE_F64, f, 0, shape, nullptr, nullptr, 0, nullptr, 0, 1, outs,
                           2, nullptr, 0);
    check(status == GRAD_STATUS_INVALID_NDIM, "ndim 0 gives GRAD_STATUS_INVALID_NDIM");
    check(std::strstr(grad_last_error(), "ndim") != nullptr, "grad_last_error mentions ndim");
    check(std::strlen(grad_status_message(status)) > 0, "grad_status_message is not empty");

    check(grad_version() == static_cast<uint32_t>(GRAD_VERSION), "grad_version() == GRAD_VERSION");
    check(grad_version_string()[0] != '\0', "grad_version_string() is not empty");

    if (failures != 0) {
        std::printf("header_cxx: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("header_cxx: all checks passed\n");
    return 0;
}
