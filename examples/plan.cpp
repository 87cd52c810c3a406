// gradient.hpp by example: a plan made once and executed on every step of a time loop,
// the one-call forms, and errors. Built and run by `cargo test --test c_api`
// (plan_cxx_example); by hand, after `cargo build --release`:
//
//   c++ -std=c++17 -I include examples/plan.cpp -L target/release -lgradient
//       -Wl,-rpath,"$PWD/target/release" -o plan && ./plan     (one line)
//
// The field is f(t, y, x) = (1 + t) y^2 - 3 x y + x^2 / (1 + t), a quadratic, whose
// gradient numpy's second-order formulas (edge_order=2) give exactly up to rounding, even
// on the non-uniform x grid; the program checks that and exits with status 0 if it holds.
#include "gradient.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    constexpr std::size_t rows = 64, cols = 32, steps = 10;
    const double dy = 0.25;
    std::vector<double> x(cols); // non-uniform positions along axis 1
    for (std::size_t j = 0; j < cols; ++j) {
        const double s = static_cast<double>(j);
        x[j] = s + 0.01 * s * s;
    }

    // numpy.gradient(f, dy, x, edge_order=2), planned once for C-order 64 x 32 doubles.
    const grad::options opts = grad::options()
                                   .set_spacing({grad::spacing::scalar(dy), grad::spacing::coordinates(x)})
                                   .set_edge_order(2);
    grad::plan<double> plan;
    if (grad::status s = grad::plan<double>::try_make(plan, {rows, cols}, {}, {}, opts);
        s != GRAD_STATUS_OK) {
        std::fprintf(stderr, "%s: %s\n", grad::status_message(s), grad::last_error());
        return 1;
    }
    std::printf("plan: %zu outputs of %zu elements\n", plan.output_count(), plan.size());

    std::vector<double> f(rows * cols), dfdy(rows * cols), dfdx(rows * cols);
    double worst = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        const double a = 1.0 + static_cast<double>(t);
        for (std::size_t i = 0; i < rows; ++i) {
            const double y = dy * static_cast<double>(i);
            for (std::size_t j = 0; j < cols; ++j) {
                f[i * cols + j] = a * y * y - 3 * x[j] * y + x[j] * x[j] / a;
            }
        }
        // Writes into our buffers; the noexcept form, so this loop needs no exceptions.
        if (grad::status s = plan.try_execute(f.data(), {dfdy.data(), dfdx.data()});
            s != GRAD_STATUS_OK) {
            std::fprintf(stderr, "%s: %s\n", grad::status_message(s), grad::last_error());
            return 1;
        }
        for (std::size_t i = 0; i < rows; ++i) {
            const double y = dy * static_cast<double>(i);
            for (std::size_t j = 0; j < cols; ++j) {
                const double want_y = 2 * a * y - 3 * x[j], want_x = -3 * y + 2 * x[j] / a;
                worst = std::fmax(worst, std::fabs(dfdy[i * cols + j] - want_y));
                worst = std::fmax(worst, std::fabs(dfdx[i * cols + j] - want_x));
            }
        }
    }
    std::printf("%zu steps: largest deviation from the exact derivatives %s 1e-9\n", steps,
                worst < 1e-9 ? "below" : "ABOVE");

    // One call, results as new vectors: np.gradient([[1., 2, 6], [3, 4, 5]]).
    const std::vector<double> small = {1, 2, 6, 3, 4, 5};
    try {
        const std::vector<std::vector<double>> d = grad::gradient(small, {2, 3});
        std::printf("np.gradient([[1, 2, 6], [3, 4, 5]]) = [%g %g %g | %g %g %g], "
                    "[%g %g %g | %g %g %g]\n",
                    d[0][0], d[0][1], d[0][2], d[0][3], d[0][4], d[0][5], d[1][0], d[1][1],
                    d[1][2], d[1][3], d[1][4], d[1][5]);
        // An error: axis 2 of a 2-D array.
        (void)grad::gradient(small, {2, 3}, grad::options().set_axes({2}));
        std::printf("no error?\n");
        return 1;
    } catch (const grad::error &e) {
        std::printf("grad::error, status %d: %s\n", static_cast<int>(e.code()), e.what());
    }
    return worst < 1e-9 ? 0 : 1;
}
