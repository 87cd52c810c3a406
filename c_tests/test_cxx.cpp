// gradient.hpp, the C++ interface: compiled by tests/c_api.rs as C++17 and as C++20 (the
// std::span overloads), and as C++17 with -fno-exceptions (the try_ forms alone), with
// -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Werror.
//
// - element types map to their dtype tags at compile time, integers give double outputs;
// - every form (try_gradient_into, gradient_into, gradient returning vectors, plan with
//   pointers, vectors and spans, mdspan where available) gives numpy's bits (golden
//   values below, each with the numpy 2.4.6 call that gave it) and the C API's bits;
// - strided and Fortran-order inputs and outputs, axes, every spacing kind, edge orders,
//   threads;
// - MATLAB's scheme against hand-derived values, and blocks with halos: the halo widths
//   by hand, each block's outputs the whole array's block, bit for bit, in every form;
// - failures: the status, the library's detail in grad::last_error() and in grad::error,
//   the C++ layer's own checks, and untouched outputs;
// - plans are move-only and may be executed from several threads at once.
// Exit status 0 means every check passed.
#include "gradient.hpp"
#include "gradient.hpp" // twice: the include guard must work

#include <algorithm>
#include <array>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

int failures = 0;

#define CHECK(cond, what)                                                                       \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::printf("FAIL %s:%d: %s: %s [%s]\n", __FILE__, __LINE__, #cond, what,           \
                        grad::last_error());                                                    \
            ++failures;                                                                         \
        }                                                                                       \
    } while (0)

template <class T> bool same_bits(const T *a, const T *b, std::size_t n) {
    return std::memcmp(a, b, n * sizeof(T)) == 0;
}

template <class T, class A, class B> bool same_bits(const std::vector<T, A> &a, const B &b) {
    return a.size() == b.size() && same_bits(a.data(), b.data(), a.size());
}

/** A plan made with try_make (so that this works without exceptions too). */
template <class T>
grad::plan<T> make_plan(grad::list_view<std::size_t> shape, const grad::options &opts = {}) {
    grad::plan<T> p;
    const grad::status s = grad::plan<T>::try_make(p, shape, {}, {}, opts);
    CHECK(s == GRAD_STATUS_OK, "make_plan");
    return p;
}

// ---------------------------------------------------------------------------------------
// Compile-time mapping
// ---------------------------------------------------------------------------------------

static_assert(grad::dtype_of<double> == GRAD_DTYPE_F64, "double");
static_assert(grad::dtype_of<float> == GRAD_DTYPE_F32, "float");
static_assert(grad::dtype_of<std::complex<double>> == GRAD_DTYPE_C128, "complex<double>");
static_assert(grad::dtype_of<std::complex<float>> == GRAD_DTYPE_C64, "complex<float>");
static_assert(grad::dtype_of<std::int8_t> == GRAD_DTYPE_I8, "int8_t");
static_assert(grad::dtype_of<std::int16_t> == GRAD_DTYPE_I16, "int16_t");
static_assert(grad::dtype_of<std::int32_t> == GRAD_DTYPE_I32, "int32_t");
static_assert(grad::dtype_of<std::int64_t> == GRAD_DTYPE_I64, "int64_t");
static_assert(grad::dtype_of<std::uint8_t> == GRAD_DTYPE_U8, "uint8_t");
static_assert(grad::dtype_of<std::uint16_t> == GRAD_DTYPE_U16, "uint16_t");
static_assert(grad::dtype_of<std::uint32_t> == GRAD_DTYPE_U32, "uint32_t");
static_assert(grad::dtype_of<std::uint64_t> == GRAD_DTYPE_U64, "uint64_t");
static_assert(grad::dtype_of<long long> == GRAD_DTYPE_I64, "long long, whatever int64_t is");
static_assert(grad::dtype_of<unsigned long long> == GRAD_DTYPE_U64, "unsigned long long");
static_assert(grad::dtype_of<signed char> == GRAD_DTYPE_I8, "signed char");
static_assert(!grad::is_element_v<bool>, "bool is not an element type");
static_assert(!grad::is_element_v<char>, "char is not an element type");
static_assert(!grad::is_element_v<long double>, "long double is not an element type");
static_assert(!grad::is_element_v<const double>, "cv-qualified types are not");
static_assert(grad::is_coordinate_v<float> && grad::is_coordinate_v<std::uint16_t>, "real");
static_assert(!grad::is_coordinate_v<std::complex<double>>, "complex coordinates");
static_assert(std::is_same<grad::output_t<double>, double>::value, "double output");
static_assert(std::is_same<grad::output_t<float>, float>::value, "float output");
static_assert(std::is_same<grad::output_t<std::complex<float>>, std::complex<float>>::value,
              "complex<float> output");
static_assert(std::is_same<grad::output_t<std::uint8_t>, double>::value, "integer output");
static_assert(std::is_same<grad::output_t<long>, double>::value, "integer output");

static_assert(!std::is_copy_constructible<grad::plan<double>>::value, "plan is move-only");
static_assert(!std::is_copy_assignable<grad::plan<double>>::value, "plan is move-only");
static_assert(std::is_nothrow_move_constructible<grad::plan<double>>::value, "plan moves");
static_assert(std::is_nothrow_move_assignable<grad::plan<double>>::value, "plan moves");
static_assert(std::is_copy_constructible<grad::options>::value, "options is a value");
static_assert(noexcept(grad::plan<double>::try_make(std::declval<grad::plan<double> &>(), {},
                                                    {}, {}, grad::options())),
              "try_make is noexcept");
static_assert(noexcept(std::declval<const grad::plan<float> &>().try_execute(nullptr, {})),
              "try_execute is noexcept");
static_assert(noexcept(grad::try_gradient_into(static_cast<const double *>(nullptr), {}, {})),
              "try_gradient_into is noexcept");
#if GRAD_CXX_EXCEPTIONS
static_assert(std::is_base_of<std::runtime_error, grad::error>::value, "error is a runtime_error");
static_assert(std::is_nothrow_copy_constructible<grad::error>::value, "error copies");
#endif

static_assert(grad::spacing().native().kind == GRAD_SPACING_KIND_UNIT, "unit");
static_assert(grad::spacing::scalar(0.5).native().kind == GRAD_SPACING_KIND_SCALAR, "scalar");
static_assert(grad::spacing::scalar_f64(0.5).native().kind == GRAD_SPACING_KIND_SCALAR_F64,
              "scalar_f64");
static_assert(grad::spacing::scalar_f32(0.5).native().kind == GRAD_SPACING_KIND_SCALAR_F32,
              "scalar_f32");
static_assert(grad::spacing::scalar(0.5).native().h == 0.5, "h");

// ---------------------------------------------------------------------------------------
// The C API's results, for comparison
// ---------------------------------------------------------------------------------------

/** grad_gradient with C-order arrays and the given spacing/axes/edge order. */
template <class T>
grad_status c_gradient(const T *f, std::vector<std::size_t> shape,
                       std::vector<grad_spacing> spacing, const std::int32_t *axes,
                       std::size_t n_axes, std::int32_t edge_order,
                       std::vector<std::vector<grad::output_t<T>>> &out) {
    std::size_t count = 1;
    for (std::size_t n : shape) {
        count *= n;
    }
    const std::size_t n_out = axes != nullptr ? n_axes : shape.size();
    out.assign(n_out, std::vector<grad::output_t<T>>(count));
    std::vector<void *> ptrs;
    for (auto &o : out) {
        ptrs.push_back(o.data());
    }
    return grad_gradient(grad::dtype_of<T>, f, shape.size(), shape.data(), nullptr,
                         spacing.data(), spacing.size(), axes, n_axes, edge_order, ptrs.data(),
                         ptrs.size(), nullptr, 1);
}

// ---------------------------------------------------------------------------------------
// Golden values
// ---------------------------------------------------------------------------------------

// np.gradient(np.array([1, 2.5, 4, 7.25, 11], np.float32), h) for h = 0.3 (a Python number),
// np.float64(0.3), np.float32(0.3), and 0.3 with edge_order=2.
const float F32[5] = {1.0f, 2.5f, 4.0f, 7.25f, 11.0f};
const float F32_PY[5] = {0x1.4p+2f, 0x1.4p+2f, 0x1.faaaaap+2f, 0x1.755554p+3f, 0x1.8ffffep+3f};
const float F32_F64[5] = {0x1.4p+2f, 0x1.4p+2f, 0x1.faaaaap+2f, 0x1.755556p+3f, 0x1.9p+3f};
const float F32_F32[5] = {0x1.4p+2f, 0x1.4p+2f, 0x1.faaaaap+2f, 0x1.755554p+3f, 0x1.8ffffep+3f};
const float F32_PY_EO2[5] = {0x1.3ffffep+2f, 0x1.4p+2f, 0x1.faaaaap+2f, 0x1.755554p+3f,
                             0x1.aaaabp+3f};

void float_precisions() {
    const grad::spacing kinds[3] = {grad::spacing::scalar(0.3), grad::spacing::scalar_f64(0.3),
                                    grad::spacing::scalar_f32(0.3)};
    const float *golden[3] = {F32_PY, F32_F64, F32_F32};
    for (int k = 0; k < 3; ++k) {
        float out[5];
        std::fill(out, out + 5, -1.0f);
        const grad::options opts = grad::options().set_spacing(kinds[k]);
        grad::status s = grad::try_gradient_into(F32, {5}, {out}, opts);
        CHECK(s == GRAD_STATUS_OK, "float spacing kinds: status");
        CHECK(same_bits(out, golden[k], 5), "float spacing kinds: numpy's bits");
        CHECK(grad::last_error()[0] == '\0', "last_error is empty after success");
        std::vector<std::vector<float>> c;
        CHECK(c_gradient(F32, {5}, {kinds[k].native()}, nullptr, 0, 1, c) == GRAD_STATUS_OK,
              "C API");
        CHECK(same_bits(c[0], std::array<float, 5>{out[0], out[1], out[2], out[3], out[4]}),
              "float spacing kinds: the C API's bits");
    }
    float out[5];
    const auto p = make_plan<float>(std::array<std::size_t, 1>{5},
                        grad::options().set_spacing(grad::spacing::scalar(0.3)).set_edge_order(2));
    CHECK(p.try_execute(F32, {out}) == GRAD_STATUS_OK, "plan, edge order 2");
    CHECK(same_bits(out, F32_PY_EO2, 5), "plan, edge order 2: numpy's bits");
}

void complex_and_integer() {
    // np.gradient(np.array([1+2j, 3-1j, 6+0.5j, 10+4j]), 0.5, edge_order=2)
    const std::complex<double> c128[4] = {{1, 2}, {3, -1}, {6, 0.5}, {10, 4}};
    const std::complex<double> c128_want[4] = {{3, -10.5}, {5, -1.5}, {7, 5}, {9, 9}};
    std::complex<double> c128_out[4];
    CHECK(grad::try_gradient_into(
              c128, {4}, {c128_out},
              grad::options().set_spacing(grad::spacing::scalar(0.5)).set_edge_order(2)) ==
              GRAD_STATUS_OK,
          "complex128");
    CHECK(same_bits(c128_out, c128_want, 4), "complex128: numpy's bits");

    // np.gradient(np.array([1+2j, 3-1j, 6+0.5j, 10+4j], np.complex64), 0.1)
    const std::complex<float> c64[4] = {{1, 2}, {3, -1}, {6, 0.5f}, {10, 4}};
    const std::complex<float> c64_want[4] = {{20, -30}, {25, -7.5f}, {35, 25}, {40, 35}};
    const auto p64 = make_plan<std::complex<float>>({4}, grad::options().set_spacing(grad::spacing::scalar(0.1)));
    CHECK(p64.output_dtype() == GRAD_DTYPE_C64, "complex64 output dtype");
    std::complex<float> c64_out[4];
    CHECK(p64.try_execute(c64, {c64_out}) == GRAD_STATUS_OK, "complex64");
    CHECK(same_bits(c64_out, c64_want, 4), "complex64: numpy's bits");

    // np.gradient(np.array([250, 3, 7, 255], np.uint8)): converted before subtracting
    const std::uint8_t u8[4] = {250, 3, 7, 255};
    const double u8_want[4] = {-247.0, -121.5, 126.0, 248.0};
    double u8_out[4];
    CHECK(grad::try_gradient_into(u8, {4}, {u8_out}) == GRAD_STATUS_OK, "uint8");
    CHECK(same_bits(u8_out, u8_want, 4), "uint8: numpy's bits");

    // np.gradient(np.array([5, 7, 4, 8], np.int64), [0, 1, 3, 3.5], edge_order=2)
    const long long i64[4] = {5, 7, 4, 8};
    const std::vector<double> x = {0, 1, 3, 3.5};
    const double i64_want[4] = {3.1666666666666674, 0.8333333333333336, 6.1000000000000005,
                                9.899999999999999};
    double i64_out[4];
    const grad::options opts =
        grad::options().set_spacing(grad::spacing::coordinates(x)).set_edge_order(2);
    CHECK(grad::try_gradient_into(i64, {4}, {i64_out}, opts) == GRAD_STATUS_OK, "int64");
    CHECK(same_bits(i64_out, i64_want, 4), "int64 with coordinates: numpy's bits");
    const auto p = make_plan<long long>(std::vector<std::size_t>{4}, opts);
    CHECK(p.output_dtype() == GRAD_DTYPE_F64, "integer plans write doubles");
    double plan_out[4];
    CHECK(p.try_execute(i64, {plan_out}) == GRAD_STATUS_OK, "int64 plan");
    CHECK(same_bits(plan_out, i64_want, 4), "int64 plan: numpy's bits");
#if GRAD_CXX_EXCEPTIONS
    const std::vector<long long> v(i64, i64 + 4);
    CHECK(same_bits(p.execute(v)[0], std::vector<double>(i64_want, i64_want + 4)),
          "int64 plan, vectors");
    CHECK(same_bits(grad::gradient(v, {4}, opts)[0], std::vector<double>(i64_want, i64_want + 4)),
          "int64 gradient, vectors");
#endif
}

// f = [[1., 2, 4, 7], [0, 3, 9, 1], [2, -1, 5, 8]], x = np.array([0, 1.5, 2, 4], np.float32):
// np.gradient(f, x, 0.5, axis=(1, 0)) and the same with edge_order=2.
const double F2[12] = {1, 2, 4, 7, 0, 3, 9, 1, 2, -1, 5, 8};
const double F2_AXIS1[12] = {0.6666666666666666, 3.1666665822267532, 3.499999962747097, 1.5,
                             2.0, 9.49999988079071, 8.799999929964542, -4.0,
                             -2.0, 8.500000029802322, 9.900000035762787, 1.5};
const double F2_AXIS0[12] = {-2.0, 2.0, 10.0, -12.0, 1.0, -3.0, 1.0, 1.0, 4.0, -8.0, -8.0, 14.0};
const double F2_AXIS1_EO2[12] = {-1.833333134651184, 3.1666665822267532, 3.499999962747097,
                                 -0.5000001192092896, -5.499999761581421, 9.49999988079071,
                                 8.799999929964542, -16.799999952316284, -12.5,
                                 8.500000029802322, 9.900000035762787, -6.900000214576721};
const double F2_AXIS0_EO2[12] = {-5.0, 7.0, 19.0, -25.0, 1.0, -3.0, 1.0, 1.0, 7.0, -13.0, -17.0, 27.0};

void strided_layouts() {
    // x as float32 at stride 2 in a buffer; f stored in Fortran order; outputs written into
    // one (2, 4, 3) buffer in Fortran order with the two derivatives interleaved.
    const float xbuf[8] = {0, -9, 1.5f, -9, 2, -9, 4, -9};
    double fortran[12];
    for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < 4; ++j) {
            fortran[i + 3 * j] = F2[4 * i + j];
        }
    }
    for (std::int32_t eo = 1; eo <= 2; ++eo) {
        const double *want[2] = {eo == 1 ? F2_AXIS1 : F2_AXIS1_EO2, eo == 1 ? F2_AXIS0 : F2_AXIS0_EO2};
        const grad::options opts =
            grad::options()
                .set_axes({1, 0})
                .set_spacing({grad::spacing::coordinates(xbuf, 4, 2), grad::spacing::scalar(0.5)})
                .set_edge_order(eo);
        double out[24];
        std::fill(out, out + 24, -1.0);
        const std::array<std::size_t, 2> shape = {3, 4};
        const std::array<std::ptrdiff_t, 2> strides = {1, 3};
        const std::vector<std::ptrdiff_t> out_strides = {2, 6, 2, 6};
        CHECK(grad::try_gradient_into(fortran, shape, strides, {out, out + 1}, out_strides, opts) ==
                  GRAD_STATUS_OK,
              "strided one call");
        bool exact = true;
        for (std::size_t k = 0; k < 2; ++k) {
            for (std::size_t i = 0; i < 3; ++i) {
                for (std::size_t j = 0; j < 4; ++j) {
                    exact = exact && same_bits(&out[k + 2 * i + 6 * j], &want[k][4 * i + j], 1);
                }
            }
        }
        CHECK(exact, "strided one call: numpy's bits");

        // The C API on the C-order copy gives the same bits.
        std::vector<std::vector<double>> c;
        const grad_spacing sp[2] = {opts.spacing_entries()[0], opts.spacing_entries()[1]};
        const std::int32_t axes[2] = {1, 0};
        CHECK(c_gradient(F2, {3, 4}, {sp[0], sp[1]}, axes, 2, eo, c) == GRAD_STATUS_OK, "C API");
        CHECK(same_bits(c[0].data(), want[0], 12) && same_bits(c[1].data(), want[1], 12),
              "the C API's bits");

        // A plan for the same layouts, executed twice (threads 4: the same bits).
        grad::plan<double> p;
        CHECK(grad::plan<double>::try_make(p, shape, strides, out_strides,
                                           grad::options(opts).set_threads(4)) == GRAD_STATUS_OK,
              "strided plan");
        CHECK(p.output_count() == 2 && p.size() == 12 && !p.contiguous_input() &&
                  !p.contiguous_outputs(),
              "plan queries");
        CHECK(p.shape().size() == 2 && p.shape()[0] == 3 && p.shape()[1] == 4, "plan shape");
        double again[24];
        for (int t = 0; t < 2; ++t) {
            std::fill(again, again + 24, -2.0);
            CHECK(p.try_execute(fortran, {again, again + 1}) == GRAD_STATUS_OK, "strided plan");
            CHECK(same_bits(again, out, 24), "strided plan: the one call's bits");
        }
#if GRAD_CXX_EXCEPTIONS
        // The throwing forms on success: the same bits.
        std::fill(again, again + 24, -3.0);
        grad::gradient_into(fortran, shape, strides, {again, again + 1}, out_strides, opts);
        CHECK(same_bits(again, out, 24), "gradient_into: the try_ form's bits");
        std::fill(again, again + 24, -4.0);
        p.execute(fortran, {again, again + 1});
        CHECK(same_bits(again, out, 24), "plan::execute: the try_ form's bits");
        // The vector form of a strided input: C-order results.
        const auto v = grad::gradient(fortran, shape, strides, opts);
        CHECK(v.size() == 2 && same_bits(v[0].data(), want[0], 12) &&
                  same_bits(v[1].data(), want[1], 12),
              "gradient of a strided array as vectors");
#endif
    }
}

void no_axes_and_default_axes() {
    // axes = () requests nothing: OK, no output.
    const double f[3] = {1, 2, 4};
    CHECK(grad::try_gradient_into(f, {3}, {}, grad::options().set_axes({})) == GRAD_STATUS_OK,
          "no axis");
    grad::plan<double> p;
    CHECK(grad::plan<double>::try_make(p, {3}, {}, {}, grad::options().set_axes({}).set_all_axes()) ==
              GRAD_STATUS_OK,
          "set_all_axes");
    CHECK(p.output_count() == 1, "set_all_axes restores every axis");
}

// ---------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------

bool contains(const char *text, const char *part) { return std::strstr(text, part) != nullptr; }

void failures_report_status_and_detail() {
    const double f[6] = {1, 2, 6, 3, 4, 5};
    double d0[6], d1[6];
    std::fill(d0, d0 + 6, 7.0);
    std::fill(d1, d1 + 6, 7.0);
    const double sevens[6] = {7, 7, 7, 7, 7, 7};

    // The library's own checks, with its detail.
    grad::status s = grad::try_gradient_into(f, {2, 3}, {d0, d1}, grad::options().set_axes({0, 2}));
    CHECK(s == GRAD_STATUS_AXIS_OUT_OF_BOUNDS, "axis 2 of 2");
    CHECK(contains(grad::last_error(), "axis 2 is out of bounds"), "the library's detail");
    s = grad::try_gradient_into(f, {2, 3}, {d0, d1}, grad::options().set_edge_order(3));
    CHECK(s == GRAD_STATUS_INVALID_EDGE_ORDER, "edge order 3");
    s = grad::try_gradient_into(f, {2, 3}, {d0}, grad::options());
    CHECK(s == GRAD_STATUS_OUTPUT_COUNT, "one output for two axes");
    s = grad::try_gradient_into(f, {2, 3}, {d0, d0});
    CHECK(s == GRAD_STATUS_OVERLAP, "one output twice");
    s = grad::try_gradient_into(f, {}, {d0});
    CHECK(s == GRAD_STATUS_INVALID_NDIM, "ndim 0");
    const double x[4] = {0, 1, 2, 3};
    s = grad::try_gradient_into(
        f, {2, 3}, {d0, d1},
        grad::options().set_spacing({grad::spacing(), grad::spacing::coordinates(x, 4)}));
    CHECK(s == GRAD_STATUS_COORDINATES_LENGTH, "4 coordinates for 3 elements");
    CHECK(contains(grad::last_error(), "4 coordinates"), "coordinates detail");

    // The C++ layer's own checks.
    s = grad::try_gradient_into(f, {2, 3}, std::vector<std::ptrdiff_t>{3}, {d0, d1}, {});
    CHECK(s == GRAD_STATUS_INVALID_NDIM, "strides of the wrong length");
    CHECK(contains(grad::last_error(), "strides has 1 entries but the shape has 2"), "detail");
    s = grad::try_gradient_into(f, {2, 3}, {}, {d0, d1}, {3, 1, 3});
    CHECK(s == GRAD_STATUS_OUTPUT_COUNT, "out_strides of the wrong length");
    CHECK(contains(grad::last_error(), "out_strides has 3 entries"), "detail");
    CHECK(same_bits(d0, sevens, 6) && same_bits(d1, sevens, 6), "outputs untouched");

    // Success clears the detail.
    CHECK(grad::try_gradient_into(f, {2, 3}, {d0, d1}) == GRAD_STATUS_OK, "success");
    CHECK(grad::last_error()[0] == '\0', "last_error is empty after success");

    // Plans: a failing try_make leaves its target as it was.
    grad::plan<double> p = make_plan<double>({6});
    s = grad::plan<double>::try_make(p, {2, 3}, {}, {}, grad::options().set_axes({0, 0}));
    CHECK(s == GRAD_STATUS_REPEATED_AXIS, "repeated axis");
    CHECK(p && p.size() == 6 && p.output_count() == 1, "failed try_make leaves the plan");
    s = grad::plan<double>::try_make(p, {2, 3}, {}, {3, 1}, grad::options());
    CHECK(s == GRAD_STATUS_OUTPUT_COUNT, "plan out_strides for one output of two");
    s = grad::plan<double>::try_make(p, {2, 3}, {3, 1, 1}, {}, grad::options());
    CHECK(s == GRAD_STATUS_INVALID_NDIM, "plan strides of the wrong length");
    s = grad::plan<double>::try_make(p, {2, 3}, {}, {},
                                     grad::options().set_spacing(grad::spacing::scalar(1.0)).set_edge_order(0));
    CHECK(s == GRAD_STATUS_INVALID_EDGE_ORDER, "edge order 0");

    // Execution failures.
    double e0[6];
    std::fill(e0, e0 + 6, 7.0);
    s = p.try_execute(f, {e0, e0});
    CHECK(s == GRAD_STATUS_OUTPUT_COUNT, "two outputs for one axis");
    s = p.try_execute(nullptr, {e0});
    CHECK(s == GRAD_STATUS_NULL_POINTER, "f NULL");
    CHECK(contains(grad::last_error(), "f is NULL"), "NULL detail");
    s = p.try_execute(f, {const_cast<double *>(f)});
    CHECK(s == GRAD_STATUS_OVERLAP, "output over the input");
    CHECK(same_bits(e0, sevens, 6), "outputs untouched");

    // A moved-from plan is empty.
    grad::plan<double> q = std::move(p);
    CHECK(!p && p.output_count() == 0 && p.native_handle() == nullptr, "moved from: empty");
    CHECK(q && q.output_count() == 1, "moved to");
    s = p.try_execute(f, {e0});
    CHECK(s == GRAD_STATUS_NULL_POINTER, "executing an empty plan");
    p = std::move(q);
    CHECK(p && !q, "move assignment");
    p.reset();
    CHECK(!p, "reset");

#if GRAD_CXX_EXCEPTIONS
    // The throwing forms: code, detail, what().
    bool thrown = false;
    try {
        grad::gradient_into(f, {2, 3}, {d0, d1}, grad::options().set_axes({0, 2}));
    } catch (const grad::error &e) {
        thrown = true;
        CHECK(e.code() == GRAD_STATUS_AXIS_OUT_OF_BOUNDS, "error code");
        CHECK(std::strcmp(e.detail(), grad::last_error()) == 0, "error detail");
        CHECK(contains(e.detail(), "axis 2 is out of bounds for array of dimension 2"), "detail");
        const std::string what = e.what();
        CHECK(what == std::string(grad_status_message(GRAD_STATUS_AXIS_OUT_OF_BOUNDS)) + ": " +
                          e.detail(),
              "what() is the status message and the detail");
    }
    CHECK(thrown, "gradient_into throws grad::error");

    thrown = false;
    try {
        grad::plan<float> bad_plan({2}, grad::options().set_edge_order(2));
    } catch (const std::runtime_error &e) {
        thrown = true;
        CHECK(contains(e.what(), "edge_order"), "plan constructor's error");
    }
    CHECK(thrown, "the plan constructor throws");

    thrown = false;
    try {
        const std::vector<double> five(5);
        (void)grad::gradient(five, {2, 3});
    } catch (const grad::error &e) {
        thrown = true;
        CHECK(e.code() == GRAD_STATUS_SHAPE_MISMATCH, "vector of the wrong size");
        CHECK(contains(e.detail(), "f has 5 elements but the plan's input has 6"), "detail");
    }
    CHECK(thrown, "a vector of the wrong size throws");

    thrown = false;
    try {
        grad::plan<double> strided({2, 3}, {}, {1, 2, 1, 2});
        (void)strided.execute(f);
    } catch (const grad::error &e) {
        thrown = true;
        CHECK(e.code() == GRAD_STATUS_INVALID_LAYOUT, "vectors from a strided-output plan");
    }
    CHECK(thrown, "the vector form refuses plans with out_strides");
#endif
}

// ---------------------------------------------------------------------------------------
// Threads, spans
// ---------------------------------------------------------------------------------------

void concurrent_execution() {
    constexpr std::size_t rows = 40, cols = 30, n = rows * cols;
    std::vector<double> f(n), xs(cols);
    for (std::size_t i = 0; i < n; ++i) {
        f[i] = static_cast<double>((i * 2654435761u) % 1000u) / 8.0 - 60.0;
    }
    for (std::size_t j = 0; j < cols; ++j) {
        xs[j] = static_cast<double>(j) * 0.5 + static_cast<double>(j * j % 5) * 0.125;
    }
    const grad::options opts = grad::options()
                                   .set_spacing({grad::spacing::scalar(0.3), grad::spacing::coordinates(xs)})
                                   .set_edge_order(2);
    const auto p = make_plan<double>({rows, cols}, opts);
    std::vector<std::vector<double>> want;
    CHECK(c_gradient(f.data(), {rows, cols}, opts.spacing_entries(), nullptr, 0, 2, want) ==
              GRAD_STATUS_OK,
          "C API");
    constexpr int n_threads = 8;
    std::vector<std::vector<double>> got(2 * n_threads, std::vector<double>(n));
    std::vector<grad::status> status(n_threads, GRAD_STATUS_PANIC);
    std::vector<std::thread> threads;
    for (int t = 0; t < n_threads; ++t) {
        threads.emplace_back([&, t] {
            const std::size_t k = static_cast<std::size_t>(t);
            for (int round = 0; round < 20; ++round) {
                status[k] = p.try_execute(f.data(), {got[2 * k].data(), got[2 * k + 1].data()});
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    for (std::size_t k = 0; k < static_cast<std::size_t>(n_threads); ++k) {
        CHECK(status[k] == GRAD_STATUS_OK, "concurrent execute");
        CHECK(same_bits(got[2 * k], want[0]) && same_bits(got[2 * k + 1], want[1]),
              "concurrent execute: the C API's bits");
    }
}

#if GRAD_CXX_HAS_SPAN
void spans() {
    // np.gradient([[1., 2, 6], [3, 4, 5]])
    const std::vector<double> f = {1, 2, 6, 3, 4, 5};
    const double want0[6] = {2, 2, -1, 2, 2, -1}, want1[6] = {1, 2.5, 4, 1, 1, 1};
    std::vector<double> d0(6), d1(6);
    const auto p = make_plan<double>({2, 3});
    CHECK(p.try_execute(std::span<const double>(f), {std::span<double>(d0), std::span<double>(d1)}) ==
              GRAD_STATUS_OK,
          "spans");
    CHECK(same_bits(d0.data(), want0, 6) && same_bits(d1.data(), want1, 6), "spans: numpy's bits");
    std::vector<double> short_out(5, 7.0);
    CHECK(p.try_execute(f, {d0, short_out}) == GRAD_STATUS_SHAPE_MISMATCH, "short output span");
    CHECK(contains(grad::last_error(), "out[1] has 5 elements"), "detail");
    CHECK(p.try_execute(std::span<const double>(f).first(5), {d0, d1}) ==
              GRAD_STATUS_SHAPE_MISMATCH,
          "short input span");
    const std::array<std::size_t, 2> shape = {2, 3};
    CHECK(grad::try_gradient_into(f.data(), std::span<const std::size_t>(shape), {d0.data(), d1.data()}) ==
              GRAD_STATUS_OK,
          "shape as a span");
    const std::array<float, 3> x = {0, 1, 3};
    const grad::spacing sx = grad::spacing::coordinates(std::span<const float>(x));
    CHECK(sx.native().length == 3 && sx.native().dtype == GRAD_DTYPE_F32 &&
              sx.native().coordinates == x.data(),
          "coordinates from a span");
#if GRAD_CXX_EXCEPTIONS
    const auto r = grad::gradient(std::span<const double>(f), {2, 3});
    CHECK(r.size() == 2 && same_bits(r[0].data(), want0, 6) && same_bits(r[1].data(), want1, 6),
          "gradient of a span");
    bool thrown = false;
    try {
        (void)grad::gradient(std::span<const double>(f), {7});
    } catch (const grad::error &e) {
        thrown = e.code() == GRAD_STATUS_SHAPE_MISMATCH;
    }
    CHECK(thrown, "a span of the wrong size throws SHAPE_MISMATCH");
#endif
}
#endif

// ---------------------------------------------------------------------------------------
// Schemes and blocks (plan options; the one-call forms make a plan for them)
// ---------------------------------------------------------------------------------------

void matlab_scheme() {
    // MATLAB's gradient on coordinates x, by hand: interior (f[i+1] - f[i-1]) /
    // (x[i+1] - x[i-1]), edges (f[1] - f[0]) / (x[1] - x[0]) and (f[4] - f[3]) / (x[4] - x[3]),
    // each one correctly rounded operation on exact differences.
    const double f[5] = {1, 4, 9, 16, 30}, x[5] = {0, 1, 3, 4, 7};
    const double want[5] = {3.0, 8.0 / 3.0, 4.0, 21.0 / 4.0, 14.0 / 3.0};
    const std::size_t shape[1] = {5};
    grad::options opts;
    opts.set_spacing(grad::spacing::coordinates(x, 5)).set_scheme(grad::scheme::matlab);
    CHECK(opts.scheme() == grad::scheme::matlab && opts.needs_plan(), "scheme stored");
    double out[5];
    std::fill(out, out + 5, -1.0);
    double *outs[1] = {out};
    CHECK(grad::try_gradient_into(f, shape, outs, opts) == GRAD_STATUS_OK, "matlab one call");
    CHECK(same_bits(out, want, 5), "matlab one call: MATLAB's values");
    grad::plan<double> p = make_plan<double>(shape, opts);
    std::fill(out, out + 5, -1.0);
    CHECK(p.try_execute(f, outs) == GRAD_STATUS_OK && same_bits(out, want, 5), "matlab plan");
    // numpy's scheme (the default) gives its three-point values, not these.
    opts.set_scheme(grad::scheme::numpy);
    CHECK(!opts.needs_plan(), "numpy's scheme needs no plan");
    std::fill(out, out + 5, -1.0);
    CHECK(grad::try_gradient_into(f, shape, outs, opts) == GRAD_STATUS_OK, "numpy one call");
    CHECK(out[0] == want[0] && out[1] != want[1], "numpy's interior formula differs");
    // MATLAB's rules: first-order edges only; an axis of length 1 gives zeros.
    opts.set_scheme(grad::scheme::matlab).set_edge_order(2);
    std::fill(out, out + 5, -1.0);
    CHECK(grad::try_gradient_into(f, shape, outs, opts) == GRAD_STATUS_INVALID_EDGE_ORDER,
          "matlab refuses edge_order 2");
    CHECK(out[0] == -1.0 && std::strlen(grad::last_error()) > 0, "nothing written, a detail");
    const std::size_t one[2] = {1, 3};
    const double row[3] = {1, 2, 4};
    double d0[3] = {-1, -1, -1}, d1[3] = {-1, -1, -1};
    double *row_outs[2] = {d0, d1};
    grad::options m;
    m.set_scheme(grad::scheme::matlab);
    CHECK(grad::try_gradient_into(row, one, row_outs, m) == GRAD_STATUS_OK &&
              d0[0] == 0.0 && d0[2] == 0.0 && d1[1] == 1.5,
          "matlab: zeros along an axis of length 1");
    CHECK(grad::try_gradient_into(row, one, row_outs) == GRAD_STATUS_AXIS_TOO_SHORT,
          "numpy: an axis of length 1 is too short");
    m.set_scheme(static_cast<grad::scheme>(7));
    CHECK(grad::try_gradient_into(row, one, row_outs, m) == GRAD_STATUS_INVALID_SCHEME,
          "a scheme that is none");
}

void blocks() {
    // A 6 x 5 array, whole and in blocks (edge_order 2, coordinates along axis 1): each
    // block's outputs are the whole outputs' block, bit for bit.
    const std::size_t rows = 6, cols = 5;
    double f[30];
    for (std::size_t i = 0; i < 30; ++i) {
        f[i] = static_cast<double>(i * i % 7) / 3.0 + static_cast<double>(i % 4);
    }
    const double x[5] = {0.0, 0.5, 1.75, 2.0, 3.5};
    grad::options opts;
    opts.set_edge_order(2).set_spacing(
        {grad::spacing::scalar(0.25), grad::spacing::coordinates(x, 5)});
    double whole[2][30];
    double *whole_outs[2] = {whole[0], whole[1]};
    const std::size_t global[2] = {rows, cols};
    CHECK(grad::try_gradient_into(f, global, whole_outs, opts) == GRAD_STATUS_OK, "whole");

    struct case_t {
        std::size_t start[2], shape[2], before[2], after[2];
    };
    // The halos by hand: 0 at a global edge and along an axis the block spans, else 1; 2
    // after a block one row wide at the global edge (edge_order 2's edge formula reads
    // three rows).
    const case_t cases[] = {
        {{0, 0}, {2, 5}, {0, 0}, {1, 0}},
        {{2, 0}, {4, 5}, {1, 0}, {0, 0}},
        {{2, 1}, {3, 3}, {1, 1}, {1, 1}},
        {{0, 0}, {1, 5}, {0, 0}, {2, 0}},
        {{5, 3}, {1, 2}, {2, 1}, {0, 0}},
    };
    for (const case_t &c : cases) {
        std::size_t before[2] = {9, 9}, after[2] = {9, 9};
        CHECK(grad::try_block_halo(opts, global, c.start, c.shape, before, after) ==
                      GRAD_STATUS_OK &&
                  before[0] == c.before[0] && before[1] == c.before[1] &&
                  after[0] == c.after[0] && after[1] == c.after[1],
              "block_halo: the hand-derived widths");
        grad::block_spec spec;
        spec.global_shape.assign(global, global + 2);
        spec.start.assign(c.start, c.start + 2);
        spec.halo_before.assign(before, before + 2);
        spec.halo_after.assign(after, after + 2);
        grad::options with_block = opts;
        with_block.set_block(spec);
        CHECK(with_block.block_given() && with_block.needs_plan(), "block stored");
        // The block with its halo is a window of the whole array: its first element and
        // the whole array's strides.
        const double *input = f + (c.start[0] - before[0]) * cols + (c.start[1] - before[1]);
        const std::ptrdiff_t strides[2] = {static_cast<std::ptrdiff_t>(cols), 1};
        const std::size_t n = c.shape[0] * c.shape[1];
        std::vector<double> b0(n, -1.0), b1(n, -1.0);
        double *block_outs[2] = {b0.data(), b1.data()};
        bool same = true;
        auto compare = [&]() {
            for (std::size_t i = 0; i < c.shape[0]; ++i) {
                const std::size_t at = (c.start[0] + i) * cols + c.start[1];
                same = same &&
                       same_bits(b0.data() + i * c.shape[1], whole[0] + at, c.shape[1]) &&
                       same_bits(b1.data() + i * c.shape[1], whole[1] + at, c.shape[1]);
            }
        };
        grad::plan<double> p;
        CHECK(grad::plan<double>::try_make(p, c.shape, strides, {}, with_block) ==
                  GRAD_STATUS_OK,
              "plan of a block");
        CHECK(p.size() == n && p.input_size() == (c.shape[0] + before[0] + after[0]) *
                                                      (c.shape[1] + before[1] + after[1]),
              "a block's sizes");
        CHECK(p.try_execute(input, block_outs) == GRAD_STATUS_OK, "execute a block");
        compare();
        CHECK(same, "a block's outputs are the whole outputs' block");
        std::fill(b0.begin(), b0.end(), -1.0);
        std::fill(b1.begin(), b1.end(), -1.0);
        CHECK(grad::try_gradient_into(input, c.shape, strides, block_outs, {}, with_block) ==
                  GRAD_STATUS_OK,
              "one call with a block");
        compare();
        CHECK(same, "one call with a block: the whole outputs' block");
#if GRAD_CXX_EXCEPTIONS
        // The contiguous forms take the block with its halo as a C-order vector.
        const std::size_t in_rows = c.shape[0] + before[0] + after[0];
        const std::size_t in_cols = c.shape[1] + before[1] + after[1];
        std::vector<double> window;
        for (std::size_t i = 0; i < in_rows; ++i) {
            window.insert(window.end(), input + i * cols, input + i * cols + in_cols);
        }
        const auto v = grad::gradient(window, c.shape, with_block);
        b0 = v[0];
        b1 = v[1];
        compare();
        CHECK(same, "gradient of a vector with a block");
        const grad::block_spec made = grad::block_with_halo(opts, global, c.start, c.shape);
        CHECK(made.halo_before == spec.halo_before && made.halo_after == spec.halo_after &&
                  made.start == spec.start && made.global_shape == spec.global_shape,
              "block_with_halo");
        window.pop_back();
        bool threw = false;
        try {
            (void)grad::gradient(window, c.shape, with_block);
        } catch (const grad::error &e) {
            threw = e.code() == GRAD_STATUS_SHAPE_MISMATCH;
        }
        CHECK(threw, "a vector one element short of the block with its halo");
#endif
    }
    // Failures: the C++ layer's own list checks, then the library's.
    const std::size_t start[2] = {2, 0}, shape[2] = {4, 5}, short_list[1] = {4};
    std::size_t before[2] = {9, 9}, after[2] = {9, 9};
    CHECK(grad::try_block_halo(opts, global, start, short_list, before, after) ==
                  GRAD_STATUS_INVALID_NDIM &&
              before[0] == 9 && after[0] == 9,
          "block_halo: lists of different lengths");
    const std::size_t outside[2] = {3, 0};
    CHECK(grad::try_block_halo(opts, global, outside, shape, before, after) ==
                  GRAD_STATUS_INVALID_BLOCK &&
              before[0] == 9,
          "block_halo: a block reaching outside the array");
    grad::block_spec uneven;
    uneven.global_shape = {rows, cols};
    uneven.start = {2, 0};
    uneven.halo_before = {1};
    uneven.halo_after = {0, 0};
    grad::plan<double> p;
    grad::options bad = opts;
    bad.set_block(uneven);
    CHECK(grad::plan<double>::try_make(p, shape, {}, {}, bad) == GRAD_STATUS_INVALID_NDIM &&
              !p && std::strstr(grad::last_error(), "halo_before 1") != nullptr,
          "a block's lists of different lengths");
    grad::block_spec thin = uneven;
    thin.halo_before = {0, 0};
    bad.set_block(thin);
    CHECK(grad::plan<double>::try_make(p, shape, {}, {}, bad) == GRAD_STATUS_HALO_TOO_SMALL,
          "a halo narrower than the stencil's reach");
    bad.set_block(grad::block_spec());
    CHECK(grad::plan<double>::try_make(p, shape, {}, {}, bad) == GRAD_STATUS_INVALID_NDIM && !p,
          "an empty block_spec is no block");
    // A block under MATLAB's scheme: a global axis of length 1 needs no halo and gives
    // zeros; numpy's scheme refuses it.
    const std::size_t line[2] = {1, cols}, line_start[2] = {0, 1}, line_shape[2] = {1, 3};
    grad::options m;
    m.set_scheme(grad::scheme::matlab);
    std::size_t mb[2] = {9, 9}, ma[2] = {9, 9};
    CHECK(grad::try_block_halo(m, line, line_start, line_shape, mb, ma) == GRAD_STATUS_OK &&
              mb[0] == 0 && ma[0] == 0 && mb[1] == 1 && ma[1] == 1,
          "matlab block_halo on a global axis of length 1");
    CHECK(grad::try_block_halo(grad::options(), line, line_start, line_shape, mb, ma) ==
              GRAD_STATUS_AXIS_TOO_SHORT,
          "numpy block_halo on a global axis of length 1");
    grad::block_spec line_block;
    line_block.global_shape = {1, cols};
    line_block.start = {0, 1};
    line_block.halo_before = {0, 1};
    line_block.halo_after = {0, 1};
    m.set_block(line_block);
    double mz[3] = {-1, -1, -1}, md[3] = {-1, -1, -1};
    double *m_outs[2] = {mz, md};
    const std::ptrdiff_t line_strides[2] = {static_cast<std::ptrdiff_t>(cols), 1};
    CHECK(grad::try_gradient_into(f, line_shape, line_strides, m_outs, {}, m) ==
                  GRAD_STATUS_OK &&
              mz[0] == 0.0 && mz[1] == 0.0 && mz[2] == 0.0 && md[0] == (f[2] - f[0]) / 2.0 &&
              md[2] == (f[4] - f[2]) / 2.0,
          "a matlab block: zeros along the length-1 axis, MATLAB's quotient along the other");
#if GRAD_CXX_HAS_SPAN
    // The span forms take the block with its halo (input_size() elements).
    grad::options sp = opts;
    const std::size_t s_shape[2] = {3, 3};
    grad::block_spec s_spec;
    s_spec.global_shape = {rows, cols};
    s_spec.start = {2, 1};
    s_spec.halo_before = {1, 1};
    s_spec.halo_after = {1, 1};
    sp.set_block(s_spec);
    std::vector<double> s_window;
    for (std::size_t i = 1; i < 6; ++i) {
        s_window.insert(s_window.end(), f + i * cols, f + i * cols + cols);
    }
    const grad::plan<double> sp_plan = make_plan<double>(s_shape, sp);
    std::vector<double> s0(9, -1.0), s1(9, -1.0);
    CHECK(sp_plan.input_size() == 25 && sp_plan.try_execute(std::span<const double>(s_window),
                                                            {std::span<double>(s0),
                                                             std::span<double>(s1)}) ==
                                            GRAD_STATUS_OK,
          "span forms with a block");
    bool s_same = true;
    for (std::size_t i = 0; i < 3; ++i) {
        s_same = s_same && same_bits(s0.data() + 3 * i, whole[0] + (2 + i) * cols + 1, 3) &&
                 same_bits(s1.data() + 3 * i, whole[1] + (2 + i) * cols + 1, 3);
    }
    CHECK(s_same, "span forms with a block: the whole outputs' block");
#if GRAD_CXX_EXCEPTIONS
    const auto sv = grad::gradient(std::span<const double>(s_window), s_shape, sp);
    CHECK(same_bits(sv[0].data(), s0.data(), 9) && same_bits(sv[1].data(), s1.data(), 9),
          "gradient of a span with a block");
#endif
    CHECK(sp_plan.try_execute(std::span<const double>(s_window.data(), 24),
                              {std::span<double>(s0), std::span<double>(s1)}) ==
              GRAD_STATUS_SHAPE_MISMATCH,
          "a span one element short of the block with its halo");
#endif
    bad.set_whole_array();
    CHECK(!bad.block_given() && !bad.needs_plan() &&
              grad::plan<double>::try_make(p, shape, {}, {}, bad) == GRAD_STATUS_OK &&
              p.input_size() == p.size(),
          "set_whole_array");
}

#if GRAD_CXX_HAS_MDSPAN
void mdspans() {
    namespace md = ::GRAD_CXX_MDSPAN_NAMESPACE;
    // np.gradient([[1., 2, 6], [3, 4, 5]]) from layout_right and layout_left inputs, into
    // layout_left and layout_stride outputs.
    const double c_order[6] = {1, 2, 6, 3, 4, 5};
    const double f_order[6] = {1, 3, 2, 4, 6, 5};
    const double want0[6] = {2, 2, -1, 2, 2, -1}, want1[6] = {1, 2.5, 4, 1, 1, 1};
    using ext = md::dextents<std::size_t, 2>;
    md::mdspan<const double, ext, md::layout_right> right(c_order, 2, 3);
    md::mdspan<const double, ext, md::layout_left> left(f_order, 2, 3);
    for (int which = 0; which < 2; ++which) {
        double out[12];
        std::fill(out, out + 12, -1.0);
        md::mdspan<double, ext, md::layout_left> o0(out, 2, 3);
        md::mdspan<double, ext, md::layout_left> o1(out + 6, 2, 3);
        grad::status s = which == 0 ? grad::try_gradient_into(right, {o0, o0}, grad::options())
                                    : grad::try_gradient_into(left, {o0, o0}, grad::options());
        CHECK(s == GRAD_STATUS_OVERLAP, "mdspan: one output twice");
        s = which == 0 ? grad::try_gradient_into(right, {o0, o1})
                       : grad::try_gradient_into(left, {o0, o1});
        CHECK(s == GRAD_STATUS_OK, "mdspan");
        bool exact = true;
        for (std::size_t i = 0; i < 2; ++i) {
            for (std::size_t j = 0; j < 3; ++j) {
                exact = exact && out[i + 2 * j] == want0[3 * i + j] &&
                        out[6 + i + 2 * j] == want1[3 * i + j];
            }
        }
        CHECK(exact, "mdspan: numpy's values");
#if GRAD_CXX_EXCEPTIONS
        const auto v = which == 0 ? grad::gradient(right) : grad::gradient(left);
        CHECK(same_bits(v[0].data(), want0, 6) && same_bits(v[1].data(), want1, 6),
              "gradient of an mdspan");
#endif
    }
    // layout_stride outputs interleaved in one buffer.
    double inter[12];
    const std::array<std::size_t, 2> strides = {6, 2};
    md::layout_stride::mapping<ext> m(ext(2, 3), strides);
    md::mdspan<double, ext, md::layout_stride> i0(inter, m), i1(inter + 1, m);
    CHECK(grad::try_gradient_into(right, {i0, i1}) == GRAD_STATUS_OK, "layout_stride outputs");
    bool exact = true;
    for (std::size_t e = 0; e < 6; ++e) {
        exact = exact && inter[2 * e] == want0[e] && inter[2 * e + 1] == want1[e];
    }
    CHECK(exact, "layout_stride outputs: numpy's values");
    double small[4];
    md::mdspan<double, ext, md::layout_right> wrong(small, 2, 2);
    CHECK(grad::try_gradient_into(right, {wrong, wrong}) == GRAD_STATUS_SHAPE_MISMATCH,
          "mdspan outputs of another shape");

    // A block: the input mdspan is the block with its halo (a window of the whole array,
    // layout_stride), the outputs have the block's extents.
    double g[30], whole[2][30];
    for (std::size_t i = 0; i < 30; ++i) {
        g[i] = static_cast<double>(i * i % 11) * 0.5;
    }
    const std::size_t global[2] = {6, 5};
    double *whole_outs[2] = {whole[0], whole[1]};
    CHECK(grad::try_gradient_into(static_cast<const double *>(g), global, whole_outs) ==
              GRAD_STATUS_OK,
          "whole array");
    grad::block_spec spec;
    spec.global_shape = {6, 5};
    spec.start = {2, 1};
    spec.halo_before = {1, 1};
    spec.halo_after = {1, 1};
    grad::options opts;
    opts.set_block(spec);
    const std::array<std::size_t, 2> window_strides = {5, 1};
    md::layout_stride::mapping<ext> wm(ext(5, 5), window_strides);
    md::mdspan<const double, ext, md::layout_stride> window(g + 5 + 0, wm);
    double b[18];
    std::fill(b, b + 18, -1.0);
    md::mdspan<double, ext, md::layout_right> b0(b, 3, 3), b1(b + 9, 3, 3);
    CHECK(grad::try_gradient_into(window, {b0, b1}, opts) == GRAD_STATUS_OK, "mdspan block");
    bool block_exact = true;
    for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < 3; ++j) {
            const std::size_t at = (2 + i) * 5 + 1 + j;
            block_exact = block_exact && same_bits(&b[3 * i + j], &whole[0][at], 1) &&
                          same_bits(&b[9 + 3 * i + j], &whole[1][at], 1);
        }
    }
    CHECK(block_exact, "mdspan block: the whole outputs' block");
    CHECK(grad::try_gradient_into(window, {wrong, wrong}, opts) == GRAD_STATUS_SHAPE_MISMATCH,
          "mdspan block outputs of another shape");
    md::mdspan<const double, ext, md::layout_right> tiny(g, 1, 5);
    CHECK(grad::try_gradient_into(tiny, {b0, b1}, opts) == GRAD_STATUS_SHAPE_MISMATCH,
          "an mdspan shorter than its halo");
#if GRAD_CXX_EXCEPTIONS
    const auto v = grad::gradient(window, opts);
    CHECK(v.size() == 2 && v[0].size() == 9 && same_bits(v[0].data(), b, 9) &&
              same_bits(v[1].data(), b + 9, 9),
          "gradient of an mdspan block");
#endif
}
#endif

} // namespace

int main() {
    float_precisions();
    complex_and_integer();
    strided_layouts();
    no_axes_and_default_axes();
    failures_report_status_and_detail();
    concurrent_execution();
    matlab_scheme();
    blocks();
#if GRAD_CXX_HAS_SPAN
    spans();
#endif
#if GRAD_CXX_HAS_MDSPAN
    mdspans();
#endif
    CHECK(grad::version() == static_cast<std::uint32_t>(GRAD_VERSION), "version");
    if (failures != 0) {
        std::printf("test_cxx (C++%ld): %d check(s) failed\n", static_cast<long>(__cplusplus),
                    failures);
        return 1;
    }
    std::printf("test_cxx (C++%ld, exceptions %d, span %d, mdspan %d): all checks passed\n",
                static_cast<long>(__cplusplus), GRAD_CXX_EXCEPTIONS, GRAD_CXX_HAS_SPAN,
                GRAD_CXX_HAS_MDSPAN);
    return 0;
}
