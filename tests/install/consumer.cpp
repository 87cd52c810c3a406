// A C++ program as a user of the installed library writes it: built by tests/install.rs
// outside the repository with CMake's find_package(gradient). It uses the C header only;
// the C++ header, where installed, must compile beside it.
#include <cstdio>
#include <vector>
#include "gradient.h"
#if defined(__has_include)
#if __has_include("gradient.hpp")
#include "gradient.hpp"
#endif
#endif

int main() {
    std::vector<double> f = {1, 2, 4, 7, 11, 16}, out(f.size());
    size_t shape[1] = {f.size()};
    grad_spacing spacing[1] = {};  // unit spacing
    void *outputs[1] = {out.data()};
    grad_status s = grad_gradient(GRAD_DTYPE_F64, f.data(), 1, shape, nullptr, spacing, 0,
                                  nullptr, 0, 1, outputs, 1, nullptr, 1);
    if (s != GRAD_STATUS_OK) {
        std::fprintf(stderr, "%s\n", grad_last_error());
        return 1;
    }
    // np.gradient([1, 2, 4, 7, 11, 16])
    const double expected[6] = {1, 1.5, 2.5, 3.5, 4.5, 5};
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] != expected[i]) {
            std::fprintf(stderr, "out[%zu] = %g, expected %g\n", i, out[i], expected[i]);
            return 1;
        }
    }
    std::printf("gradient %s from C++: %g ... %g\n", grad_version_string(), out[0], out[5]);
    return 0;
}
