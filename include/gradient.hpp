#ifndef GRADIENT_HPP
#define GRADIENT_HPP

/*
 * gradient.hpp: a header-only C++17 interface over the C ABI of gradient.h, in namespace
 * `grad`. Everything here is inline and calls only the `grad_` functions of gradient.h, so
 * a program links against libgradient exactly as a C program does.
 *
 * Conventions (the C API's, see gradient.h and the README):
 * - Units: shapes and lengths count elements; strides count ELEMENTS, not bytes, are
 *   signed (negative and zero allowed), and an empty strides list means C order.
 * - Ownership: every pointer, list and span is borrowed for the duration of the call only,
 *   except the coordinate arrays a `grad::spacing` points to, which must stay valid until
 *   the `grad::gradient*` call or `grad::plan` construction that reads them (a plan copies
 *   them). `grad::plan` owns its `grad_plan` handle; `grad::options` and `grad::spacing`
 *   are plain values that own nothing of the library's.
 * - Plan options: a block of a larger array (`options::set_block`, `grad::try_block_halo`) and
 *   MATLAB's formulas (`options::set_scheme`) are options of the C API's plans; the
 *   one-call forms given them make a plan and execute it once.
 * - No partial results: on any failure not one output element has been written.
 * - Errors: the throwing forms throw `grad::error` (derived from `std::runtime_error`),
 *   which carries the `grad_status` code and the library's detail message; each has a
 *   `noexcept` twin named `try_...` that returns the status instead, with the detail in
 *   `grad::last_error()`. The throwing forms exist only when exceptions are enabled
 *   (`GRAD_CXX_EXCEPTIONS` is 1; it is 0 under -fno-exceptions). The forms that return
 *   `std::vector`s allocate, so they exist only with exceptions; allocation failure
 *   there throws `std::bad_alloc`.
 * - A few checks are the C++ layer's own, made before the library's (the C functions take
 *   a pointer and one count where C++ passes several lists): a strides list whose length
 *   is not the shape's (INVALID_NDIM), an out_strides list whose length is not
 *   `n_out * ndim` (OUTPUT_COUNT), a block's lists of different lengths (INVALID_NDIM),
 *   a span or vector whose size is not the input's element count or an mdspan whose
 *   extents are not the input's, less a block's halo (SHAPE_MISMATCH), and a contiguous
 *   form used on a plan made with strides (INVALID_LAYOUT).
 * - Thread-safety: as the C API. Every function is reentrant; a `grad::plan` may be
 *   executed by any number of threads at once (its `execute` members are `const`);
 *   moving, assigning or destroying it must not race with any other use. `grad::options`
 *   and `grad::spacing` are ordinary values (concurrent reads are fine).
 *   `grad::last_error()` is per thread.
 */

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "gradient.hpp needs C++17 or later; from C or older C++ use gradient.h"
#endif

#include "gradient.h"

#include <array>
#include <complex>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if __has_include(<version>)
#include <version>
#endif

/** 1 when exceptions are enabled (the throwing forms exist), else 0. May be defined to 0
 * before including this header to leave the throwing forms out. */
#ifndef GRAD_CXX_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define GRAD_CXX_EXCEPTIONS 1
#else
#define GRAD_CXX_EXCEPTIONS 0
#endif
#endif

#if GRAD_CXX_EXCEPTIONS
#include <stdexcept>
#endif

/** 1 when the `std::span` overloads exist (C++20 `<span>`). */
#if defined(__cpp_lib_span) && __cpp_lib_span >= 202002L
#include <span>
#define GRAD_CXX_HAS_SPAN 1
#else
#define GRAD_CXX_HAS_SPAN 0
#endif

/** 1 when the mdspan overloads exist: with the standard `<mdspan>` (`__cpp_lib_mdspan`),
 * or with any implementation of P0009 whose namespace is given as
 * `GRAD_CXX_MDSPAN_NAMESPACE` (e.g. `Kokkos` for the reference implementation, whose
 * header must then be included first). */
#if defined(GRAD_CXX_MDSPAN_NAMESPACE)
#define GRAD_CXX_HAS_MDSPAN 1
#elif defined(__cpp_lib_mdspan) && __cpp_lib_mdspan >= 202207L
#include <mdspan>
#define GRAD_CXX_MDSPAN_NAMESPACE std
#define GRAD_CXX_HAS_MDSPAN 1
#else
#define GRAD_CXX_HAS_MDSPAN 0
#endif

namespace grad {

/** A status code: the C `grad_status` (`GRAD_STATUS_OK` is 0, success). */
using status = ::grad_status;

/** An element-type tag: the C `grad_dtype`. */
using dtype = ::grad_dtype;

/** The fixed, static one-line description of a status code (never NULL).
 * Thread-safety: safe from any thread. */
inline const char *status_message(status code) noexcept {
    return ::grad_status_message(static_cast<std::int32_t>(code));
}

/** The version of the loaded library, packed as `GRAD_VERSION` (the header's) is. */
inline std::uint32_t version() noexcept { return ::grad_version(); }

/** The version of the loaded library as a static string such as "0.2.0". */
inline const char *version_string() noexcept { return ::grad_version_string(); }

// ---------------------------------------------------------------------------------------
// Element types
// ---------------------------------------------------------------------------------------

namespace detail {

template <class T> struct is_character : std::false_type {};
template <> struct is_character<char> : std::true_type {};
template <> struct is_character<wchar_t> : std::true_type {};
template <> struct is_character<char16_t> : std::true_type {};
template <> struct is_character<char32_t> : std::true_type {};
#if defined(__cpp_char8_t)
template <> struct is_character<char8_t> : std::true_type {};
#endif

/** Integer element types: the standard signed and unsigned integers of 1, 2, 4 or 8
 * bytes, not `bool` nor the character types (plain `char`'s sign varies). */
template <class T>
struct is_integer
    : std::bool_constant<std::is_integral<T>::value && !std::is_same<T, bool>::value &&
                         !is_character<T>::value &&
                         (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 ||
                          sizeof(T) == 8)> {};

template <class T, class = void> struct dtype_tag {};
template <> struct dtype_tag<double> : std::integral_constant<dtype, GRAD_DTYPE_F64> {};
template <> struct dtype_tag<float> : std::integral_constant<dtype, GRAD_DTYPE_F32> {};
template <>
struct dtype_tag<std::complex<double>> : std::integral_constant<dtype, GRAD_DTYPE_C128> {};
template <>
struct dtype_tag<std::complex<float>> : std::integral_constant<dtype, GRAD_DTYPE_C64> {};
template <class T>
struct dtype_tag<T, std::enable_if_t<is_integer<T>::value>>
    : std::integral_constant<
          dtype, std::is_signed<T>::value
                     ? (sizeof(T) == 1   ? GRAD_DTYPE_I8
                        : sizeof(T) == 2 ? GRAD_DTYPE_I16
                        : sizeof(T) == 4 ? GRAD_DTYPE_I32
                                         : GRAD_DTYPE_I64)
                     : (sizeof(T) == 1   ? GRAD_DTYPE_U8
                        : sizeof(T) == 2 ? GRAD_DTYPE_U16
                        : sizeof(T) == 4 ? GRAD_DTYPE_U32
                                         : GRAD_DTYPE_U64)> {};

template <class T, class = void> struct has_tag : std::false_type {};
template <class T>
struct has_tag<T, std::void_t<decltype(dtype_tag<T>::value)>> : std::true_type {};

} // namespace detail

/** Whether `T` is an element type of the library: `double`, `float`,
 * `std::complex<double>`, `std::complex<float>`, or a signed or unsigned integer of 8, 16,
 * 32 or 64 bits (any spelling: `long` and `long long` alike; not `bool` or `char`). */
template <class T> inline constexpr bool is_element_v = detail::has_tag<T>::value;

/** Whether `T` may hold coordinates: a real element type (not complex). */
template <class T>
inline constexpr bool is_coordinate_v =
    is_element_v<T> && (std::is_floating_point<T>::value || detail::is_integer<T>::value);

/** The `grad_dtype` tag of element type `T`, at compile time (`grad::dtype_of<float>` is
 * `GRAD_DTYPE_F32`). */
template <class T, std::enable_if_t<is_element_v<T>, int> = 0>
inline constexpr dtype dtype_of = detail::dtype_tag<T>::value;

namespace detail {
template <class T, bool = is_integer<T>::value> struct output_of {
    using type = T;
};
template <class T> struct output_of<T, true> {
    using type = double;
};
} // namespace detail

/** The element type of the outputs for inputs of type `T`: `T` itself for floating and
 * complex types, `double` for every integer type (as numpy). */
template <class T> using output_t = typename detail::output_of<T>::type;

// ---------------------------------------------------------------------------------------
// Lists: shapes, strides, axes and outputs, from any contiguous container
// ---------------------------------------------------------------------------------------

/** A borrowed, read-only list of `E` (a pointer and a count), the type every shape,
 * strides, axes and output list parameter takes. It converts implicitly from a braced
 * list (`{2, 3}`), a `std::vector<E>`, a `std::array<E, N>`, a C array, a
 * `std::span<E>` (C++20), or is made from a pointer and a count: `{ptr, n}`. The
 * default (or `{}`) is empty: for strides, C order. It holds no copy: the elements must
 * outlive the call it is passed to (a braced list lives until the end of the statement). */
template <class E> class list_view {
  public:
    /** An empty list. */
    constexpr list_view() noexcept = default;
    /** `size` elements at `data` (NULL allowed when `size` is 0). */
    constexpr list_view(const E *data, std::size_t size) noexcept : data_(data), size_(size) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
// A braced-list argument lives until the end of the full expression: as long as the call.
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    /** The elements of a braced list (valid until the end of the statement). */
    constexpr list_view(std::initializer_list<E> list) noexcept
        : data_(list.begin()), size_(list.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    /** The elements of a vector. */
    template <class Alloc>
    list_view(const std::vector<E, Alloc> &v) noexcept : data_(v.data()), size_(v.size()) {}
    /** The elements of an array. */
    template <std::size_t N>
    constexpr list_view(const std::array<E, N> &a) noexcept : data_(a.data()), size_(N) {}
    /** The elements of a C array. */
    template <std::size_t N>
    constexpr list_view(const E (&a)[N]) noexcept : data_(a), size_(N) {}
#if GRAD_CXX_HAS_SPAN
    /** The elements of a span. */
    template <class U, std::size_t X,
              std::enable_if_t<std::is_same<std::remove_const_t<U>, E>::value, int> = 0>
    constexpr list_view(std::span<U, X> s) noexcept : data_(s.data()), size_(s.size()) {}
#endif
    /** The first element (may be NULL when empty). */
    constexpr const E *data() const noexcept { return data_; }
    /** The number of elements. */
    constexpr std::size_t size() const noexcept { return size_; }
    /** Whether there is no element. */
    constexpr bool empty() const noexcept { return size_ == 0; }
    /** Iteration. */
    constexpr const E *begin() const noexcept { return data_; }
    /** Iteration. */
    constexpr const E *end() const noexcept { return data_ + size_; }
    /** Element `i` (unchecked). */
    constexpr const E &operator[](std::size_t i) const noexcept { return data_[i]; }

  private:
    const E *data_ = nullptr;
    std::size_t size_ = 0;
};

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

namespace detail {

constexpr std::size_t detail_capacity = 1024;

/** This thread's detail of the last failure of a grad:: call. */
inline char *detail_buffer() noexcept {
    static thread_local char buffer[detail_capacity] = {};
    return buffer;
}

/** Starts a call: the detail is empty until something fails. */
inline void begin() noexcept { detail_buffer()[0] = '\0'; }

/** After a library call: on failure, copies the library's detail (read right away). */
inline status from_library(status code) noexcept {
    if (code != GRAD_STATUS_OK) {
        ::grad_last_error_copy(detail_buffer(), detail_capacity);
    }
    return code;
}

/** A failure found by the C++ layer itself, with its detail (printf-style). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
inline status own_failure(status code, const char *format, ...) noexcept {
    va_list args;
    va_start(args, format);
    std::vsnprintf(detail_buffer(), detail_capacity, format, args);
    va_end(args);
    return code;
}

} // namespace detail

/** The detail of the last failure of a `grad::` call on the calling thread: what was
 * wrong, naming the argument and axis (the library's `grad_last_error()` text, or the C++
 * layer's own for its checks), cut to 1023 bytes. Empty after a successful call. The
 * string stays valid for the thread's lifetime and changes at its next `grad::` call
 * that can fail. Calls of the C functions do not change it.
 * Thread-safety: each thread has its own. */
inline const char *last_error() noexcept { return detail::detail_buffer(); }

#if GRAD_CXX_EXCEPTIONS
/** The exception the throwing forms throw: `code()` is the `grad_status`, `detail()` the
 * library's detail message (as `grad::last_error()` gives it), and `what()` is
 * "<status message>: <detail>". Copying it does not throw. */
class error : public std::runtime_error {
  public:
    /** An error for `code` with `detail` (may be empty). */
    error(status code, const char *detail)
        : std::runtime_error(compose(code, detail)), code_(code),
          detail_offset_(std::strlen(::grad_status_message(static_cast<std::int32_t>(code))) +
                         (detail[0] != '\0' ? 2 : 0)) {}
    /** The status code (never `GRAD_STATUS_OK`). */
    status code() const noexcept { return code_; }
    /** The detail message alone (the part of `what()` after the status message). */
    const char *detail() const noexcept { return what() + detail_offset_; }

  private:
    static std::string compose(status code, const char *detail) {
        std::string text = ::grad_status_message(static_cast<std::int32_t>(code));
        if (detail[0] != '\0') {
            text += ": ";
            text += detail;
        }
        return text;
    }
    status code_;
    std::size_t detail_offset_;
};

namespace detail {
/** Throws `grad::error` for a failed status, with this thread's detail. */
inline void check(status code) {
    if (code != GRAD_STATUS_OK) {
        throw error(code, detail_buffer());
    }
}
} // namespace detail
#endif

// ---------------------------------------------------------------------------------------
// Spacing and options
// ---------------------------------------------------------------------------------------

/** The spacing of one axis, as one of numpy's `*varargs`: made by the factories below
 * (the default is unit spacing). A value wrapping a C `grad_spacing`; a coordinates
 * spacing points to the caller's array, which must stay valid until the call that reads
 * it (`grad::gradient*`, or the making of a `grad::plan`, which copies it). */
class spacing {
  public:
    /** Unit spacing: `np.gradient(f)`. */
    constexpr spacing() noexcept : s_() {}

    /** Unit spacing: `np.gradient(f)`. */
    static constexpr spacing unit() noexcept { return spacing(); }

    /** The step `h` as a Python number, `np.gradient(f, h)`: arithmetic in the data's
     * precision (`float` data: single). `GRAD_SPACING_KIND_SCALAR`. Any value is
     * accepted (zero, negative, inf and NaN give numpy's inf/nan results). */
    static constexpr spacing scalar(double h) noexcept {
        return spacing(GRAD_SPACING_KIND_SCALAR, h);
    }

    /** The step `h` as `np.float64(h)`: arithmetic in double precision, rounded once when
     * stored (differs from `scalar` only for `float` and `std::complex<float>` data).
     * `GRAD_SPACING_KIND_SCALAR_F64`. */
    static constexpr spacing scalar_f64(double h) noexcept {
        return spacing(GRAD_SPACING_KIND_SCALAR_F64, h);
    }

    /** The step `(float)h` as `np.float32(h)`: `h` is rounded to `float` (0.1 becomes
     * 0.100000001490116...) and the edge coefficients of `edge_order` 2 are computed in
     * single precision, as numpy does. `GRAD_SPACING_KIND_SCALAR_F32`. */
    static constexpr spacing scalar_f32(double h) noexcept {
        return spacing(GRAD_SPACING_KIND_SCALAR_F32, h);
    }

    /** Coordinates `np.gradient(f, x)`: `length` samples of a real type (`double`, `float`
     * or an integer type) at `x`, `stride` ELEMENTS apart (negative and zero allowed);
     * `length` must equal the axis length (checked by the call). `x` is borrowed. */
    template <class T>
    static spacing coordinates(const T *x, std::size_t length,
                               std::ptrdiff_t stride = 1) noexcept {
        static_assert(is_coordinate_v<T>,
                      "coordinates must be double, float or an integer type (not complex)");
        spacing s;
        s.s_.kind = GRAD_SPACING_KIND_COORDINATES;
        s.s_.dtype = dtype_of<T>;
        s.s_.coordinates = x;
        s.s_.length = length;
        s.s_.stride = stride;
        return s;
    }

    /** Coordinates held by a vector (borrowed: keep the vector alive and unchanged). */
    template <class T, class Alloc>
    static spacing coordinates(const std::vector<T, Alloc> &x) noexcept {
        return coordinates(x.data(), x.size());
    }

    /** Coordinates held by an array (borrowed). */
    template <class T, std::size_t N>
    static spacing coordinates(const std::array<T, N> &x) noexcept {
        return coordinates(x.data(), N);
    }

#if GRAD_CXX_HAS_SPAN
    /** Coordinates viewed by a span (borrowed). */
    template <class T, std::size_t X>
    static spacing coordinates(std::span<T, X> x) noexcept {
        return coordinates(static_cast<const std::remove_const_t<T> *>(x.data()), x.size());
    }
#endif

    /** The C struct this value is. */
    constexpr const grad_spacing &native() const noexcept { return s_; }

  private:
    constexpr spacing(grad_spacing_kind kind, double h) noexcept : s_() {
        s_.kind = kind;
        s_.h = h;
    }
    grad_spacing s_;
};

/** Which formulas a gradient uses (the C `grad_scheme`): `numpy`, numpy.gradient's bit for
 * bit (the default); `matlab`, MATLAB's `gradient` (on coordinates the quotient
 * `(f[i+1] - f[i-1]) / (x[i+1] - x[i-1])`, first-order edges only, zeros along an axis of
 * length 1; see `grad_scheme` in gradient.h). */
enum class scheme : std::int32_t {
    /** numpy.gradient's formulas. */
    numpy = GRAD_SCHEME_NUMPY,
    /** MATLAB's `gradient` formulas. */
    matlab = GRAD_SCHEME_MATLAB,
};

/** One block of a larger ("global") array, for a plan that computes that block of the
 * whole array's gradient, bit for bit, from the block and a halo of its neighbouring
 * samples (the C `grad_options_set_block`). One entry per axis `k` in each, in ELEMENTS:
 * the global array's length, the global index of the block's first element, and the
 * samples the input holds before and after the block (at least what
 * `grad::try_block_halo` gives). The block's own shape is the plan's shape (the outputs'); its input is the block
 * with its halo, of shape `halo_before + shape + halo_after`. The spacing stays global:
 * coordinate arrays span the whole axis. */
struct block_spec {
    /** The global array's length along each axis. */
    std::vector<std::size_t> global_shape;
    /** The global index of the block's first element along each axis. */
    std::vector<std::size_t> start;
    /** Samples of the global array the input holds before the block, per axis. */
    std::vector<std::size_t> halo_before;
    /** Samples of the global array the input holds after the block, per axis. */
    std::vector<std::size_t> halo_after;
};

/** The options of a gradient, numpy's keyword arguments and the C options' setters, as a
 * value built by chaining: `grad::options().set_spacing({grad::spacing::scalar(0.5)})
 * .set_edge_order(2)`. Defaults are numpy's: unit spacing, every axis in order,
 * `edge_order` 1; and one thread. Setters only store (they cannot fail, except by
 * `std::bad_alloc`); the values are checked by the call or plan that uses them, in the
 * C API's order. Copyable; it owns no library object. */
class options {
  public:
    /** numpy's defaults and one thread. */
    options() = default;

    /** numpy's `*varargs`: no entry (unit spacing on every axis), one scalar or unit entry
     * (for every requested axis), or one entry per requested axis, in the order of the
     * axes. Coordinate arrays are borrowed until the call or plan that uses them. */
    options &set_spacing(list_view<spacing> entries) {
        spacing_.clear();
        spacing_.reserve(entries.size());
        for (const spacing &s : entries) {
            spacing_.push_back(s.native());
        }
        return *this;
    }

    /** One spacing for every requested axis (`np.gradient(f, h)` for a scalar). */
    options &set_spacing(const spacing &entry) { return set_spacing(list_view<spacing>(&entry, 1)); }

    /** numpy's `axis`: the axes to differentiate, in any order, negative counting from
     * the end; output `k` is the derivative along `axes[k]`. An empty list requests no
     * axis (the call validates and writes nothing). */
    options &set_axes(list_view<std::int32_t> axes) {
        axes_.assign(axes.begin(), axes.end());
        axes_set_ = true;
        return *this;
    }

    /** Restores the default: every axis, in order. */
    options &set_all_axes() noexcept {
        axes_.clear();
        axes_set_ = false;
        return *this;
    }

    /** numpy's `edge_order`: 1 or 2 (checked by the call: INVALID_EDGE_ORDER). */
    options &set_edge_order(std::int32_t edge_order) noexcept {
        edge_order_ = edge_order;
        return *this;
    }

    /** Threads per call: 0 or 1 for the calling thread only, N > 1 for up to N threads
     * started and joined within each call, at most one per `GRAD_ELEMENTS_PER_THREAD`
     * elements. The results are bit-identical for every value. */
    options &set_threads(std::size_t n_threads) noexcept {
        threads_ = n_threads;
        return *this;
    }

    /** Which formulas (`grad::scheme::numpy` by default). A value that is not a
     * `grad::scheme` enumerator is reported by the plan or call that uses it
     * (INVALID_SCHEME), and so is an `edge_order` other than 1 with `matlab`
     * (INVALID_EDGE_ORDER). With `matlab`, calls go through a plan (see
     * `try_gradient_into`). */
    options &set_scheme(grad::scheme which) noexcept {
        scheme_ = which;
        return *this;
    }

    /** Makes plans compute one block of a global array (see `grad::block_spec`); calls
     * with a block go through a plan (see `try_gradient_into`). The four lists must have
     * one entry per axis of the plan's shape: INVALID_NDIM from the C++ layer if they are
     * empty or differ in length, INVALID_BLOCK from the library if their length is not the
     * shape's; everything else is checked by `grad_plan_new`. */
    options &set_block(block_spec spec) {
        block_ = std::move(spec);
        block_set_ = true;
        return *this;
    }

    /** Restores the default: the whole array, no block. */
    options &set_whole_array() noexcept {
        block_ = block_spec();
        block_set_ = false;
        return *this;
    }

    /** The spacing entries, as C structs. */
    const std::vector<grad_spacing> &spacing_entries() const noexcept { return spacing_; }
    /** Whether axes were set (else every axis is requested). */
    bool axes_given() const noexcept { return axes_set_; }
    /** The axes set (empty when not set). */
    const std::vector<std::int32_t> &axes() const noexcept { return axes_; }
    /** The edge order. */
    std::int32_t edge_order() const noexcept { return edge_order_; }
    /** The number of threads. */
    std::size_t threads() const noexcept { return threads_; }
    /** The scheme. */
    grad::scheme scheme() const noexcept { return scheme_; }
    /** Whether a block was set (else the whole array is computed). */
    bool block_given() const noexcept { return block_set_; }
    /** The block set (all lists empty when none is). */
    const block_spec &block() const noexcept { return block_; }
    /** Whether calls with these options need a plan (a block, or a scheme other than
     * numpy's, which the C one-call functions do not take). */
    bool needs_plan() const noexcept { return block_set_ || scheme_ != grad::scheme::numpy; }

    /** The samples a block's input holds beyond the block along `axis` (ELEMENTS): its
     * `halo_before + halo_after` there; 0 without a block, or beyond its lists. */
    std::size_t halo(std::size_t axis) const noexcept {
        if (block_set_ && axis < block_.halo_before.size() && axis < block_.halo_after.size()) {
            return block_.halo_before[axis] + block_.halo_after[axis];
        }
        return 0;
    }

    /** How many outputs a call on arrays of `ndim` axes writes: the number of axes set,
     * or `ndim`. */
    std::size_t output_count(std::size_t ndim) const noexcept {
        return axes_set_ ? axes_.size() : ndim;
    }

    /** The axes as the C functions take them: NULL for every axis, else a non-NULL
     * pointer (even for an empty list, which requests no axis). */
    const std::int32_t *axes_pointer() const noexcept {
        static const std::int32_t none = 0;
        if (!axes_set_) {
            return nullptr;
        }
        return axes_.empty() ? &none : axes_.data();
    }

  private:
    std::vector<grad_spacing> spacing_;
    std::vector<std::int32_t> axes_;
    bool axes_set_ = false;
    std::int32_t edge_order_ = 1;
    std::size_t threads_ = 1;
    grad::scheme scheme_ = grad::scheme::numpy;
    block_spec block_;
    bool block_set_ = false;
};

// ---------------------------------------------------------------------------------------
// The C++ layer's own checks
// ---------------------------------------------------------------------------------------

namespace detail {

inline bool valid_ndim(std::size_t ndim) noexcept { return ndim >= 1 && ndim <= GRAD_MAX_NDIM; }

/** strides: empty, or one per axis (INVALID_NDIM). */
inline status check_strides(std::size_t ndim, std::size_t n_strides, const char *name) noexcept {
    if (valid_ndim(ndim) && n_strides != 0 && n_strides != ndim) {
        return own_failure(GRAD_STATUS_INVALID_NDIM, "%s has %zu entries but the shape has %zu",
                           name, n_strides, ndim);
    }
    return GRAD_STATUS_OK;
}

/** out_strides: empty, or `n_out * ndim` (OUTPUT_COUNT). */
inline status check_out_strides(std::size_t ndim, std::size_t n_out,
                                std::size_t n_out_strides) noexcept {
    if (valid_ndim(ndim) && n_out <= GRAD_MAX_NDIM && n_out_strides != 0 &&
        n_out_strides != n_out * ndim) {
        return own_failure(GRAD_STATUS_OUTPUT_COUNT,
                           "out_strides has %zu entries but %zu outputs of %zu axes need %zu",
                           n_out_strides, n_out, ndim, n_out * ndim);
    }
    return GRAD_STATUS_OK;
}

/** At most GRAD_MAX_NDIM + 1 outputs as the C out list: more is always an OUTPUT_COUNT
 * failure, which the library reports before reading the list. */
template <class U> struct out_list {
    void *ptrs[GRAD_MAX_NDIM + 1];
    std::size_t n;
    explicit out_list(list_view<U *> out) noexcept
        : ptrs(), n(out.size() <= GRAD_MAX_NDIM ? out.size() : GRAD_MAX_NDIM + 1) {
        for (std::size_t k = 0; k < n && k < out.size(); ++k) {
            ptrs[k] = static_cast<void *>(out[k]);
        }
    }
};

/** A C options object made from `grad::options`, freed on scope exit. */
struct c_options {
    grad_options *handle = nullptr;
    c_options() = default;
    c_options(const c_options &) = delete;
    c_options &operator=(const c_options &) = delete;
    ~c_options() { ::grad_options_free(handle); }

    /** The C options of `o`; its block too unless `with_block` is false. */
    status make(const options &o, bool with_block = true) noexcept {
        status s = ::grad_options_new(&handle);
        if (s == GRAD_STATUS_OK) {
            s = ::grad_options_set_axes(handle, o.axes_pointer(), o.axes().size());
        }
        if (s == GRAD_STATUS_OK) {
            s = ::grad_options_set_spacing(handle, o.spacing_entries().data(),
                                           o.spacing_entries().size());
        }
        if (s == GRAD_STATUS_OK) {
            s = ::grad_options_set_edge_order(handle, o.edge_order());
        }
        if (s == GRAD_STATUS_OK) {
            s = ::grad_options_set_threads(handle, o.threads());
        }
        if (s == GRAD_STATUS_OK) {
            s = ::grad_options_set_scheme(handle, static_cast<std::int32_t>(o.scheme()));
        }
        if (s != GRAD_STATUS_OK) {
            return from_library(s);
        }
        if (with_block && o.block_given()) {
            const block_spec &b = o.block();
            const std::size_t n = b.global_shape.size();
            if (n == 0) {
                return own_failure(GRAD_STATUS_INVALID_NDIM,
                                   "the block's lists are empty (set_whole_array() computes "
                                   "the whole array)");
            }
            if (b.start.size() != n || b.halo_before.size() != n || b.halo_after.size() != n) {
                return own_failure(GRAD_STATUS_INVALID_NDIM,
                                   "the block's lists differ in length: global_shape %zu, "
                                   "start %zu, halo_before %zu, halo_after %zu",
                                   n, b.start.size(), b.halo_before.size(), b.halo_after.size());
            }
            s = ::grad_options_set_block(handle, n, b.global_shape.data(), b.start.data(),
                                         b.halo_before.data(), b.halo_after.data());
        }
        return from_library(s);
    }
};

} // namespace detail

// ---------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------

/** The halo a block needs (the C `grad_block_halo`): for the block of `shape` at global
 * index `start` of an array of `global_shape` (one entry per axis each, in ELEMENTS),
 * differentiated with `opts` (a block set in them is ignored), writes to `halo_before[k]`
 * and `halo_after[k]` the samples needed before and after the block along each axis `k`:
 * 0 along an axis not differentiated, where the block touches the global edge on that
 * side, and for an empty block; otherwise 1, or 2 with `edge_order` 2 for a block one
 * sample wide at a global edge. `halo_before` and `halo_after` hold `shape.size()`
 * elements each. The widths depend on where the block lies, not on the spacing's values.
 *
 * Returns `GRAD_STATUS_OK`, or the first failure: the options' setters, INVALID_NDIM from
 * the C++ layer (the three lists differ in length), then `grad_block_halo`'s checks
 * (INVALID_NDIM, NULL_POINTER, INVALID_BLOCK, numpy's checks on `global_shape`); the
 * detail is in `grad::last_error()`. On failure nothing is written.
 * Thread-safety: reentrant. */
inline status try_block_halo(const options &opts, list_view<std::size_t> global_shape,
                             list_view<std::size_t> start, list_view<std::size_t> shape,
                             std::size_t *halo_before, std::size_t *halo_after) noexcept {
    detail::begin();
    detail::c_options c;
    status s = c.make(opts, false);
    if (s != GRAD_STATUS_OK) {
        return s;
    }
    if (global_shape.size() != shape.size() || start.size() != shape.size()) {
        return detail::own_failure(GRAD_STATUS_INVALID_NDIM,
                                   "global_shape has %zu entries, start %zu, shape %zu",
                                   global_shape.size(), start.size(), shape.size());
    }
    return detail::from_library(::grad_block_halo(c.handle, shape.size(), global_shape.data(),
                                                  start.data(), shape.data(), halo_before,
                                                  halo_after));
}

#if GRAD_CXX_EXCEPTIONS
/** The block of `shape` at `start` of an array of `global_shape` with the halo it needs
 * under `opts` (`try_block_halo`), as `options::set_block` takes it: in a distributed
 * program, `opts.set_block(grad::block_with_halo(opts, global_shape, start, shape))`, then
 * a plan of `shape`. Throws `grad::error` (`try_block_halo`'s failures) or
 * `std::bad_alloc`. */
inline block_spec block_with_halo(const options &opts, list_view<std::size_t> global_shape,
                                  list_view<std::size_t> start, list_view<std::size_t> shape) {
    block_spec b;
    b.global_shape.assign(global_shape.begin(), global_shape.end());
    b.start.assign(start.begin(), start.end());
    b.halo_before.resize(shape.size());
    b.halo_after.resize(shape.size());
    detail::check(try_block_halo(opts, global_shape, start, shape, b.halo_before.data(),
                                 b.halo_after.data()));
    return b;
}
#endif

// ---------------------------------------------------------------------------------------
// One call
// ---------------------------------------------------------------------------------------

template <class T> class plan;

/** The gradient of the array at `f` (element type `T`, `shape`, `strides` in ELEMENTS or
 * empty for C order) into the caller's arrays `out[0..n_out]` (each of `f`'s shape, with
 * `out_strides`: `n_out * ndim` ELEMENT strides, output by output, or empty for C order),
 * with `opts`: bit for bit `numpy.gradient(f, *spacing, axis=axes, edge_order=...)` (or
 * MATLAB's `gradient` with `scheme::matlab`).
 * `out[k]` receives the derivative along the k-th requested axis. Outputs must not share
 * memory with `f`, a coordinate array or each other.
 *
 * Options with a block or the matlab scheme (`opts.needs_plan()`) make a `grad::plan` and
 * execute it once, with a plan's meaning of the arguments: with a block, `shape` is the
 * block's (the outputs') and `f`, with `strides`, the block with its halo.
 *
 * Returns `GRAD_STATUS_OK`, or the first failure: the C++ layer's count checks (strides:
 * INVALID_NDIM; out_strides: OUTPUT_COUNT), then `grad_gradient`'s order of checks; with
 * a plan, `plan::try_make`'s order (the options' setters first), then
 * `plan::try_execute`'s. The detail is in `grad::last_error()`. On failure nothing is
 * written.
 * Thread-safety: reentrant, on memory no other call writes. */
template <class T>
status try_gradient_into(const T *f, list_view<std::size_t> shape,
                         list_view<std::ptrdiff_t> strides, list_view<output_t<T> *> out,
                         list_view<std::ptrdiff_t> out_strides,
                         const options &opts = options()) noexcept {
    static_assert(is_element_v<T>, "unsupported element type");
    if (opts.needs_plan()) {
        plan<T> p;
        const status made = plan<T>::try_make(p, shape, strides, out_strides, opts);
        return made == GRAD_STATUS_OK ? p.try_execute(f, out) : made;
    }
    detail::begin();
    status s = detail::check_strides(shape.size(), strides.size(), "strides");
    if (s == GRAD_STATUS_OK) {
        s = detail::check_out_strides(shape.size(), out.size(), out_strides.size());
    }
    if (s != GRAD_STATUS_OK) {
        return s;
    }
    const detail::out_list<output_t<T>> list(out);
    return detail::from_library(::grad_gradient(
        dtype_of<T>, static_cast<const void *>(f), shape.size(), shape.data(),
        strides.empty() ? nullptr : strides.data(), opts.spacing_entries().data(),
        opts.spacing_entries().size(), opts.axes_pointer(), opts.axes().size(),
        opts.edge_order(), list.ptrs, list.n, out_strides.empty() ? nullptr : out_strides.data(),
        opts.threads()));
}

/** `try_gradient_into` for C-order input and outputs. */
template <class T>
status try_gradient_into(const T *f, list_view<std::size_t> shape, list_view<output_t<T> *> out,
                         const options &opts = options()) noexcept {
    return try_gradient_into(f, shape, list_view<std::ptrdiff_t>(), out,
                             list_view<std::ptrdiff_t>(), opts);
}

#if GRAD_CXX_EXCEPTIONS
/** `try_gradient_into`, throwing `grad::error` on failure (nothing written then). */
template <class T>
void gradient_into(const T *f, list_view<std::size_t> shape, list_view<std::ptrdiff_t> strides,
                   list_view<output_t<T> *> out, list_view<std::ptrdiff_t> out_strides,
                   const options &opts = options()) {
    detail::check(try_gradient_into(f, shape, strides, out, out_strides, opts));
}

/** `gradient_into` for C-order input and outputs. */
template <class T>
void gradient_into(const T *f, list_view<std::size_t> shape, list_view<output_t<T> *> out,
                   const options &opts = options()) {
    detail::check(try_gradient_into(f, shape, out, opts));
}
#endif

// ---------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------

/** A gradient made ready for element type `T`, one shape and one layout (the C
 * `grad_plan`): every check that does not depend on the data is done and every
 * coefficient computed when it is made; `execute` runs it on data, with the same bits as
 * `grad::gradient_into` and numpy. Move-only; owns its `grad_plan`, freed by the
 * destructor. An empty plan (default-constructed or moved from) must not be executed
 * (its `try_execute` returns NULL_POINTER).
 *
 * Thread-safety: any number of threads may call the `const` members of one plan at once
 * (on outputs no other call writes); moving, assigning and destroying must not race with
 * any other use. */
template <class T> class plan {
    static_assert(is_element_v<T>, "unsupported element type: see grad::is_element_v");

  public:
    /** The input element type. */
    using value_type = T;
    /** The output element type (`double` for integer inputs). */
    using output_type = output_t<T>;

    /** An empty plan. */
    plan() noexcept = default;

#if GRAD_CXX_EXCEPTIONS
    /** A plan for C-order arrays of `shape` with `opts` (checked here: throws
     * `grad::error` with the status of `grad_plan_new`). */
    explicit plan(list_view<std::size_t> shape, const options &opts = options()) {
        detail::check(try_make(*this, shape, {}, {}, opts));
    }

    /** A plan for arrays of `shape` with input `strides` and `out_strides` (ELEMENTS; each
     * empty for C order; out_strides hold `n_out * ndim` entries, output by output). */
    plan(list_view<std::size_t> shape, list_view<std::ptrdiff_t> strides,
         list_view<std::ptrdiff_t> out_strides, const options &opts = options()) {
        detail::check(try_make(*this, shape, strides, out_strides, opts));
    }
#endif

    /** Makes a plan into `result` (replacing what it held) without throwing. Returns
     * `GRAD_STATUS_OK`, or the first failure: the options' setters (as the C
     * `grad_options_set_*` report them), the count checks (strides: INVALID_NDIM;
     * out_strides: OUTPUT_COUNT), then stages 1 to 5 of `grad_plan_new`; OUT_OF_MEMORY.
     * On failure `result` is unchanged; the detail is in `grad::last_error()`. */
    static status try_make(plan &result, list_view<std::size_t> shape,
                           list_view<std::ptrdiff_t> strides,
                           list_view<std::ptrdiff_t> out_strides,
                           const options &opts = options()) noexcept {
        detail::begin();
        detail::c_options c;
        status s = c.make(opts);
        if (s == GRAD_STATUS_OK) {
            s = detail::check_strides(shape.size(), strides.size(), "strides");
        }
        if (s == GRAD_STATUS_OK) {
            s = detail::check_out_strides(shape.size(), opts.output_count(shape.size()),
                                          out_strides.size());
        }
        if (s != GRAD_STATUS_OK) {
            return s;
        }
        grad_plan *handle = nullptr;
        s = detail::from_library(
            ::grad_plan_new(&handle, dtype_of<T>, shape.size(), shape.data(),
                            strides.empty() ? nullptr : strides.data(),
                            out_strides.empty() ? nullptr : out_strides.data(), c.handle));
        if (s != GRAD_STATUS_OK) {
            return s;
        }
        std::size_t *dims = new (std::nothrow) std::size_t[shape.size()];
        if (dims == nullptr) {
            ::grad_plan_free(handle);
            return detail::own_failure(GRAD_STATUS_OUT_OF_MEMORY,
                                       "could not allocate the plan's shape");
        }
        std::size_t count = 1, input_count = 1;
        for (std::size_t k = 0; k < shape.size(); ++k) {
            dims[k] = shape[k];
            // No overflow: grad_plan_new checked the outputs' extents, and the input's for a
            // C-order input, the only kind for which `input_size_` is read.
            count *= shape[k];
            input_count *= shape[k] + opts.halo(k);
        }
        result.reset();
        result.handle_ = handle;
        result.shape_ = dims;
        result.ndim_ = shape.size();
        result.size_ = count;
        result.input_size_ = input_count;
        result.contiguous_in_ = strides.empty();
        result.contiguous_out_ = out_strides.empty();
        return GRAD_STATUS_OK;
    }

    /** Not copyable: a plan owns its handle (move it, or share it by reference: its
     * `const` members may run concurrently). */
    plan(const plan &) = delete;
    /** Not copyable. */
    plan &operator=(const plan &) = delete;

    /** Takes `other`'s plan, leaving it empty. */
    plan(plan &&other) noexcept { take(other); }

    /** Frees this plan, then takes `other`'s, leaving it empty. */
    plan &operator=(plan &&other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }

    /** Frees the plan (`grad_plan_free`). */
    ~plan() { reset(); }

    /** Frees the plan now; it becomes empty. */
    void reset() noexcept {
        ::grad_plan_free(handle_);
        delete[] shape_;
        handle_ = nullptr;
        shape_ = nullptr;
        ndim_ = 0;
        size_ = 0;
        input_size_ = 0;
        contiguous_in_ = false;
        contiguous_out_ = false;
    }

    /** Whether the plan is not empty. */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /** The C handle (still owned by this object), NULL when empty. */
    const grad_plan *native_handle() const noexcept { return handle_; }

    /** The number of outputs an execution writes (one per requested axis); 0 if empty. */
    std::size_t output_count() const noexcept { return ::grad_plan_output_count(handle_); }

    /** The outputs' dtype (`grad::dtype_of<output_type>`); 0 if empty. */
    dtype output_dtype() const noexcept {
        return static_cast<dtype>(::grad_plan_output_dtype(handle_));
    }

    /** The shape the plan was made for (empty if the plan is). */
    list_view<std::size_t> shape() const noexcept { return list_view<std::size_t>(shape_, ndim_); }

    /** The number of elements of that shape (of each output, and of the input unless the
     * plan computes a block). */
    std::size_t size() const noexcept { return size_; }

    /** The number of elements of a C-order input: `size()`, or with a block that of the
     * block with its halo (`halo_before + shape + halo_after`). For a plan made with
     * strides, the product of the input's shape, which may have wrapped around (the
     * library checks such an input's reach, not its element count). */
    std::size_t input_size() const noexcept { return input_size_; }

    /** Whether the plan was made without input strides (C order). */
    bool contiguous_input() const noexcept { return contiguous_in_; }

    /** Whether the plan was made without out_strides (C-order outputs). */
    bool contiguous_outputs() const noexcept { return contiguous_out_; }

    /** The gradient of the array at `f` into `out[0..output_count()]`, laid out as the plan
     * says. Returns `GRAD_STATUS_OK` or the first failure of `grad_plan_execute`
     * (NULL_POINTER for an empty plan, OUTPUT_COUNT, then the data pointers: NULL_POINTER,
     * MISALIGNED, OVERFLOW, then OVERLAP); the detail is in `grad::last_error()`. On
     * failure nothing is written. */
    status try_execute(const T *f, list_view<output_type *> out) const noexcept {
        detail::begin();
        const detail::out_list<output_type> list(out);
        return detail::from_library(
            ::grad_plan_execute(handle_, static_cast<const void *>(f), list.ptrs, list.n));
    }

#if GRAD_CXX_HAS_SPAN
    /** `try_execute` on a C-order plan with spans: first SHAPE_MISMATCH unless `f` has
     * `input_size()` elements and each output `size()`, INVALID_LAYOUT if the plan was
     * made with strides. */
    status try_execute(std::span<const T> f, list_view<std::span<output_type>> out) const noexcept {
        detail::begin();
        status s = check_sizes(f.size(), out);
        if (s != GRAD_STATUS_OK) {
            return s;
        }
        output_type *ptrs[GRAD_MAX_NDIM + 1] = {};
        const std::size_t n = out.size() <= GRAD_MAX_NDIM ? out.size() : GRAD_MAX_NDIM + 1;
        for (std::size_t k = 0; k < n && k < out.size(); ++k) {
            ptrs[k] = out[k].data();
        }
        return try_execute(f.data(), list_view<output_type *>(ptrs, n));
    }
#endif

#if GRAD_CXX_EXCEPTIONS
    /** `try_execute`, throwing `grad::error` on failure (nothing written then). */
    void execute(const T *f, list_view<output_type *> out) const {
        detail::check(try_execute(f, out));
    }

#if GRAD_CXX_HAS_SPAN
    /** `try_execute` with spans, throwing `grad::error` on failure. */
    void execute(std::span<const T> f, list_view<std::span<output_type>> out) const {
        detail::check(try_execute(f, out));
    }
#endif

    /** The gradient of the array at `f` as `output_count()` new C-order vectors of
     * `size()` elements (INVALID_LAYOUT if the plan was made with out_strides). */
    std::vector<std::vector<output_type>> execute(const T *f) const {
        detail::begin();
        if (handle_ != nullptr && !contiguous_out_) {
            detail::check(detail::own_failure(
                GRAD_STATUS_INVALID_LAYOUT,
                "the plan was made with out_strides: pass output buffers laid out so"));
        }
        std::vector<std::vector<output_type>> result(output_count());
        output_type *ptrs[GRAD_MAX_NDIM] = {};
        for (std::size_t k = 0; k < result.size(); ++k) {
            result[k].resize(size_);
            ptrs[k] = result[k].data();
        }
        execute(f, list_view<output_type *>(ptrs, result.size()));
        return result;
    }

    /** The gradient of the C-order array held by `f` (SHAPE_MISMATCH unless it has
     * `input_size()` elements; INVALID_LAYOUT if the plan was made with strides) as new
     * C-order vectors. */
    template <class Alloc>
    std::vector<std::vector<output_type>> execute(const std::vector<T, Alloc> &f) const {
        detail::begin();
        detail::check(check_input(f.size()));
        return execute(f.data());
    }
#endif

  private:
    void take(plan &other) noexcept {
        handle_ = other.handle_;
        shape_ = other.shape_;
        ndim_ = other.ndim_;
        size_ = other.size_;
        input_size_ = other.input_size_;
        contiguous_in_ = other.contiguous_in_;
        contiguous_out_ = other.contiguous_out_;
        other.handle_ = nullptr;
        other.shape_ = nullptr;
        other.ndim_ = 0;
        other.size_ = 0;
        other.input_size_ = 0;
        other.contiguous_in_ = false;
        other.contiguous_out_ = false;
    }

    /** The C++ checks of a contiguous input of `n` elements. */
    status check_input(std::size_t n) const noexcept {
        if (handle_ == nullptr) {
            return GRAD_STATUS_OK; // grad_plan_execute reports the empty plan
        }
        if (!contiguous_in_) {
            return detail::own_failure(GRAD_STATUS_INVALID_LAYOUT,
                                       "the plan was made with strides: pass a pointer");
        }
        if (n != input_size_) {
            return detail::own_failure(GRAD_STATUS_SHAPE_MISMATCH,
                                       "f has %zu elements but the plan's input has %zu", n,
                                       input_size_);
        }
        return GRAD_STATUS_OK;
    }

#if GRAD_CXX_HAS_SPAN
    /** The C++ checks of contiguous spans. */
    status check_sizes(std::size_t n, list_view<std::span<output_type>> out) const noexcept {
        status s = check_input(n);
        if (s != GRAD_STATUS_OK || handle_ == nullptr) {
            return s;
        }
        if (!contiguous_out_) {
            return detail::own_failure(GRAD_STATUS_INVALID_LAYOUT,
                                       "the plan was made with out_strides: pass pointers");
        }
        for (std::size_t k = 0; k < out.size(); ++k) {
            if (out[k].size() != size_) {
                return detail::own_failure(GRAD_STATUS_SHAPE_MISMATCH,
                                           "out[%zu] has %zu elements but the plan's shape has %zu",
                                           k, out[k].size(), size_);
            }
        }
        return GRAD_STATUS_OK;
    }
#endif

    grad_plan *handle_ = nullptr;
    std::size_t *shape_ = nullptr;
    std::size_t ndim_ = 0;
    std::size_t size_ = 0;
    std::size_t input_size_ = 0;
    bool contiguous_in_ = false;
    bool contiguous_out_ = false;
};

// ---------------------------------------------------------------------------------------
// Convenience: results as new vectors
// ---------------------------------------------------------------------------------------

#if GRAD_CXX_EXCEPTIONS
/** `numpy.gradient(f, *spacing, axis=..., edge_order=...)` of the array at `f` (`shape`,
 * `strides` in ELEMENTS or empty for C order) as one new C-order vector per requested
 * axis, each of `prod(shape)` elements (MATLAB's `gradient` with `scheme::matlab`). With
 * a block in `opts`, `shape` is the block's and `f` the block with its halo, as for a
 * plan. Throws `grad::error` (the checks of `grad::plan`'s constructor, then of its
 * `execute`) or `std::bad_alloc`. */
template <class T>
std::vector<std::vector<output_t<T>>> gradient(const T *f, list_view<std::size_t> shape,
                                               list_view<std::ptrdiff_t> strides,
                                               const options &opts = options()) {
    return plan<T>(shape, strides, {}, opts).execute(f);
}

/** `gradient` of a C-order array at `f`. */
template <class T>
std::vector<std::vector<output_t<T>>> gradient(const T *f, list_view<std::size_t> shape,
                                               const options &opts = options()) {
    return plan<T>(shape, opts).execute(f);
}

/** `gradient` of the C-order array held by a vector (SHAPE_MISMATCH unless it has
 * `prod(shape)` elements, or with a block those of the block with its halo). */
template <class T, class Alloc>
std::vector<std::vector<output_t<T>>> gradient(const std::vector<T, Alloc> &f,
                                               list_view<std::size_t> shape,
                                               const options &opts = options()) {
    return plan<T>(shape, opts).execute(f);
}

#if GRAD_CXX_HAS_SPAN
/** `gradient` of the C-order array viewed by a span (SHAPE_MISMATCH unless it has
 * `prod(shape)` elements, or with a block those of the block with its halo). */
template <class T, std::size_t X>
std::vector<std::vector<output_t<std::remove_const_t<T>>>>
gradient(std::span<T, X> f, list_view<std::size_t> shape, const options &opts = options()) {
    using E = std::remove_const_t<T>;
    plan<E> p(shape, opts);
    if (f.size() != p.input_size()) {
        detail::check(detail::own_failure(GRAD_STATUS_SHAPE_MISMATCH,
                                          "f has %zu elements but the plan's input has %zu",
                                          f.size(), p.input_size()));
    }
    return p.execute(static_cast<const E *>(f.data()));
}
#endif
#endif

// ---------------------------------------------------------------------------------------
// mdspan
// ---------------------------------------------------------------------------------------

#if GRAD_CXX_HAS_MDSPAN
namespace detail {
namespace md = ::GRAD_CXX_MDSPAN_NAMESPACE;

/** Shape and element strides of a strided mdspan mapping. */
template <class Mapping> struct md_layout {
    static constexpr std::size_t rank = Mapping::extents_type::rank();
    static_assert(rank <= GRAD_MAX_NDIM, "more axes than GRAD_MAX_NDIM");
    static_assert(Mapping::is_always_strided(),
                  "only strided layouts (layout_right, layout_left, layout_stride)");
    std::array<std::size_t, rank == 0 ? 1 : rank> shape{};
    std::array<std::ptrdiff_t, rank == 0 ? 1 : rank> strides{};
    explicit md_layout(const Mapping &m) noexcept {
        for (std::size_t r = 0; r < rank; ++r) {
            shape[r] = static_cast<std::size_t>(m.extents().extent(r));
            strides[r] = static_cast<std::ptrdiff_t>(m.stride(r));
        }
    }

    /** The outputs' extents for this input with `opts` into `out`: the same, or with a
     * block, the input's less the halo along each axis (SHAPE_MISMATCH where the input is
     * shorter than its halo). */
    status output_shape(const options &opts,
                        std::array<std::size_t, rank == 0 ? 1 : rank> &out) const noexcept {
        for (std::size_t r = 0; r < rank; ++r) {
            const std::size_t halo = opts.halo(r);
            if (shape[r] < halo) {
                return own_failure(GRAD_STATUS_SHAPE_MISMATCH,
                                   "f has extent %zu on axis %zu, less than the block's halo "
                                   "there (%zu)",
                                   shape[r], r, halo);
            }
            out[r] = shape[r] - halo;
        }
        return GRAD_STATUS_OK;
    }
};
} // namespace detail

/** The gradient of mdspan `f` (any strided layout: `layout_right`, `layout_left`,
 * `layout_stride`; an accessor whose data handle is a plain pointer) into the `n_out`
 * mdspans at `out` (of `f`'s extents, or with a block in `opts` those of `f` less the
 * block's halo; element type `grad::output_t`, any strided layout, all of one mdspan
 * type): `try_gradient_into` with the shapes and ELEMENT strides the mappings give.
 * First SHAPE_MISMATCH unless every output has those extents, and
 * OUTPUT_COUNT for more than `GRAD_MAX_NDIM` outputs. */
template <class T, class E, class L, class A, class U, class EO, class LO, class AO>
status try_gradient_into(detail::md::mdspan<T, E, L, A> f,
                         const detail::md::mdspan<U, EO, LO, AO> *out, std::size_t n_out,
                         const options &opts = options()) noexcept {
    using In = std::remove_const_t<T>;
    using InMapping = typename detail::md::mdspan<T, E, L, A>::mapping_type;
    using OutMapping = typename detail::md::mdspan<U, EO, LO, AO>::mapping_type;
    static_assert(std::is_same<typename A::data_handle_type, T *>::value,
                  "the input's accessor must give a plain pointer");
    static_assert(std::is_same<typename AO::data_handle_type, U *>::value,
                  "the outputs' accessor must give a plain pointer");
    static_assert(std::is_same<U, output_t<In>>::value,
                  "outputs must be of grad::output_t<element type of f>");
    static_assert(E::rank() == EO::rank(), "outputs must have the input's rank");
    constexpr std::size_t rank = E::rank();
    detail::begin();
    const detail::md_layout<InMapping> in(f.mapping());
    std::array<std::size_t, rank == 0 ? 1 : rank> shape{};
    const status s = in.output_shape(opts, shape);
    if (s != GRAD_STATUS_OK) {
        return s;
    }
    if (n_out > GRAD_MAX_NDIM) {
        return detail::own_failure(GRAD_STATUS_OUTPUT_COUNT,
                                   "%zu outputs, more than any array has axes", n_out);
    }
    std::array<std::ptrdiff_t, (rank == 0 ? 1 : rank) * GRAD_MAX_NDIM> out_strides{};
    U *ptrs[GRAD_MAX_NDIM] = {};
    for (std::size_t k = 0; k < n_out; ++k) {
        const detail::md_layout<OutMapping> o(out[k].mapping());
        for (std::size_t r = 0; r < rank; ++r) {
            if (o.shape[r] != shape[r]) {
                return opts.block_given()
                           ? detail::own_failure(GRAD_STATUS_SHAPE_MISMATCH,
                                                 "out[%zu] has extent %zu on axis %zu, the "
                                                 "block (f less its halo) has %zu",
                                                 k, o.shape[r], r, shape[r])
                           : detail::own_failure(GRAD_STATUS_SHAPE_MISMATCH,
                                                 "out[%zu] has extent %zu on axis %zu, f has %zu",
                                                 k, o.shape[r], r, in.shape[r]);
            }
            out_strides[k * rank + r] = o.strides[r];
        }
        ptrs[k] = out[k].data_handle();
    }
    return try_gradient_into(static_cast<const In *>(f.data_handle()),
                             list_view<std::size_t>(shape.data(), rank),
                             list_view<std::ptrdiff_t>(in.strides.data(), rank),
                             list_view<U *>(ptrs, n_out),
                             list_view<std::ptrdiff_t>(out_strides.data(), n_out * rank), opts);
}

/** `try_gradient_into` on mdspans with the outputs as a braced list: `{d0, d1}`. */
template <class T, class E, class L, class A, class U, class EO, class LO, class AO>
status try_gradient_into(detail::md::mdspan<T, E, L, A> f,
                         std::initializer_list<detail::md::mdspan<U, EO, LO, AO>> out,
                         const options &opts = options()) noexcept {
    return try_gradient_into(f, out.begin(), out.size(), opts);
}

#if GRAD_CXX_EXCEPTIONS
/** `try_gradient_into` on mdspans, throwing `grad::error` on failure. */
template <class T, class E, class L, class A, class U, class EO, class LO, class AO>
void gradient_into(detail::md::mdspan<T, E, L, A> f, const detail::md::mdspan<U, EO, LO, AO> *out,
                   std::size_t n_out, const options &opts = options()) {
    detail::check(try_gradient_into(f, out, n_out, opts));
}

/** `try_gradient_into` on mdspans (a braced list of outputs), throwing `grad::error`. */
template <class T, class E, class L, class A, class U, class EO, class LO, class AO>
void gradient_into(detail::md::mdspan<T, E, L, A> f,
                   std::initializer_list<detail::md::mdspan<U, EO, LO, AO>> out,
                   const options &opts = options()) {
    detail::check(try_gradient_into(f, out.begin(), out.size(), opts));
}

/** The gradient of mdspan `f` (any strided layout) as new C-order vectors, one per
 * requested axis (with a block in `opts`, `f` is the block with its halo and each vector
 * holds the block's derivative). */
template <class T, class E, class L, class A>
std::vector<std::vector<output_t<std::remove_const_t<T>>>>
gradient(detail::md::mdspan<T, E, L, A> f, const options &opts = options()) {
    using In = std::remove_const_t<T>;
    static_assert(std::is_same<typename A::data_handle_type, T *>::value,
                  "the accessor must give a plain pointer");
    const detail::md_layout<typename detail::md::mdspan<T, E, L, A>::mapping_type> in(
        f.mapping());
    std::array<std::size_t, E::rank() == 0 ? 1 : E::rank()> shape{};
    detail::check(in.output_shape(opts, shape));
    return gradient(static_cast<const In *>(f.data_handle()),
                    list_view<std::size_t>(shape.data(), E::rank()),
                    list_view<std::ptrdiff_t>(in.strides.data(), E::rank()), opts);
}
#endif
#endif

} // namespace grad

#endif /* GRADIENT_HPP */
