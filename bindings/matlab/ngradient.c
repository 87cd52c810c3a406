/* ngradient: the MEX gateway of libgradient for MATLAB and Octave (see ngradient.m for
 * the user documentation, and README.md "MATLAB and Octave" for the build commands).
 *
 *   [FX, FY, FZ, ...] = ngradient(F, spacing..., 'EdgeOrder', e, 'Scheme', s)
 *
 * It calls the C ABI only (grad_options, grad_plan). MATLAB's conventions: F is
 * column-major and handed to the library where it lies (its element strides are
 * 1, size(F,1), size(F,1)*size(F,2), ...), output k is the derivative along dimension 2
 * for k = 1 (x, columns), dimension 1 for k = 2 (y, rows), then dimensions 3, 4, ...; a
 * row or column vector has one derivative, along its length; only the outputs requested
 * are computed. Data of class double or single, real or complex; outputs have F's class,
 * size and complexity. Built with the interleaved complex API (`mex -R2018a` in MATLAB
 * R2018a and later, `mkoctfile --mex -R2018a` in Octave 7 and later), so that complex
 * data too is handed over where it lies.
 *
 * Errors are raised with mexErrMsgIdAndTxt, after every library object is freed: the
 * identifier names the library's status (`ngradient:axisTooShort`, ...) or, for the
 * arguments the gateway reads itself, `ngradient:invalidInput`, `ngradient:unknownOption`,
 * `ngradient:tooManyOutputs`, `ngradient:invalidScheme`, `ngradient:invalidEdgeOrder`;
 * the text is the library's message and detail (grad_last_error_copy).
 *
 * Thread-safety: MATLAB and Octave call a MEX function on one thread; the gateway keeps no
 * state between calls.
 */
#include "mex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gradient.h"

#if !MX_HAS_INTERLEAVED_COMPLEX
#error "build with the interleaved complex API: mex -R2018a (MATLAB), mkoctfile --mex -R2018a (Octave)"
#endif

/* One identifier per grad_status (MATLAB identifiers: letters, digits, underscores). */
static const char *status_id(grad_status s) {
    switch (s) {
    case GRAD_STATUS_NULL_POINTER: return "ngradient:nullPointer";
    case GRAD_STATUS_INVALID_NDIM: return "ngradient:invalidNdim";
    case GRAD_STATUS_INVALID_DTYPE: return "ngradient:invalidDtype";
    case GRAD_STATUS_OVERFLOW: return "ngradient:overflow";
    case GRAD_STATUS_MISALIGNED: return "ngradient:misaligned";
    case GRAD_STATUS_AXIS_OUT_OF_BOUNDS: return "ngradient:axisOutOfBounds";
    case GRAD_STATUS_REPEATED_AXIS: return "ngradient:repeatedAxis";
    case GRAD_STATUS_SPACING_COUNT: return "ngradient:spacingCount";
    case GRAD_STATUS_INVALID_SPACING_KIND: return "ngradient:invalidSpacingKind";
    case GRAD_STATUS_COORDINATES_LENGTH: return "ngradient:coordinatesLength";
    case GRAD_STATUS_COORDINATES_TOO_SHORT: return "ngradient:coordinatesTooShort";
    case GRAD_STATUS_INVALID_EDGE_ORDER: return "ngradient:invalidEdgeOrder";
    case GRAD_STATUS_AXIS_TOO_SHORT: return "ngradient:axisTooShort";
    case GRAD_STATUS_OVERLAP: return "ngradient:overlap";
    case GRAD_STATUS_OUT_OF_MEMORY: return "ngradient:outOfMemory";
    case GRAD_STATUS_OUTPUT_COUNT: return "ngradient:outputCount";
    case GRAD_STATUS_OUTPUT_TOO_SMALL: return "ngradient:outputTooSmall";
    case GRAD_STATUS_INVALID_LAYOUT: return "ngradient:invalidLayout";
    case GRAD_STATUS_SHAPE_MISMATCH: return "ngradient:shapeMismatch";
    case GRAD_STATUS_INVALID_SCHEME: return "ngradient:invalidScheme";
    default: return "ngradient:internal";
    }
}

/* The library objects of one call, freed before any error is raised. */
typedef struct {
    grad_options *options;
    grad_plan *plan;
} call_state;

static void release(call_state *st) {
    grad_plan_free(st->plan);
    grad_options_free(st->options);
    st->plan = NULL;
    st->options = NULL;
}

/* Raises the error of a failed library call: "<status message>: <detail>". */
static void library_error(call_state *st, grad_status s) {
    char detail[512], text[768];
    grad_last_error_copy(detail, sizeof detail);
    release(st);
    snprintf(text, sizeof text, "%s: %s", grad_status_message(s), detail);
    mexErrMsgIdAndTxt(status_id(s), "%s", text);
}

/* The grad_dtype of a numeric array's class and complexity; 0 if it has none. */
static int32_t dtype_of(const mxArray *a) {
    int cplx = mxIsComplex(a);
    switch (mxGetClassID(a)) {
    case mxDOUBLE_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_F64;
    case mxSINGLE_CLASS: return cplx ? GRAD_DTYPE_C64 : GRAD_DTYPE_F32;
    case mxINT8_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_I8;
    case mxINT16_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_I16;
    case mxINT32_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_I32;
    case mxINT64_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_I64;
    case mxUINT8_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_U8;
    case mxUINT16_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_U16;
    case mxUINT32_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_U32;
    case mxUINT64_CLASS: return cplx ? GRAD_DTYPE_C128 : GRAD_DTYPE_U64;
    default: return 0;
    }
}

/* Case-insensitive string equality. */
static int same_word(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    }
    return *a == *b;
}

/* A scalar real numeric value that is an integer (for EdgeOrder). */
static int integral_scalar(const mxArray *a, double *v) {
    if (!mxIsNumeric(a) || mxIsComplex(a) || mxGetNumberOfElements(a) != 1) return 0;
    *v = mxGetScalar(a);
    return *v == (double)(int32_t)*v;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    call_state st = {NULL, NULL};
    grad_spacing spacing[GRAD_MAX_NDIM];
    size_t shape[GRAD_MAX_NDIM];
    ptrdiff_t strides[GRAD_MAX_NDIM], out_strides[GRAD_MAX_NDIM * GRAD_MAX_NDIM];
    int32_t axes[GRAD_MAX_NDIM];
    void *outs[GRAD_MAX_NDIM];
    int32_t edge_order = 1, scheme = GRAD_SCHEME_MATLAB, dtype;
    int n_spacing = 0, n_dims, n_out, k, i, vector;
    const mxArray *F;
    const mwSize *dims;
    mwSize nd;
    grad_status s;

    /* Arguments: F, the spacing (numeric), then name-value pairs. */
    if (nrhs < 1) {
        mexErrMsgIdAndTxt("ngradient:invalidInput", "F is required (see help ngradient)");
    }
    F = prhs[0];
    if (!(mxIsDouble(F) || mxIsSingle(F)) || mxIsSparse(F)) {
        mexErrMsgIdAndTxt("ngradient:invalidInput",
                          "F must be a full double or single array, not %s",
                          mxGetClassName(F));
    }
    for (k = 1; k < nrhs && !mxIsChar(prhs[k]); k++) n_spacing++;
    for (; k < nrhs; k += 2) {
        char name[32], value[32];
        double v;
        if (!mxIsChar(prhs[k]) || mxGetString(prhs[k], name, sizeof name) != 0) {
            mexErrMsgIdAndTxt("ngradient:unknownOption",
                              "expected an option name ('EdgeOrder' or 'Scheme') "
                              "after the spacing, at argument %d", k + 1);
        }
        if (k + 1 >= nrhs) {
            mexErrMsgIdAndTxt("ngradient:unknownOption", "option '%s' has no value",
                              name);
        }
        if (same_word(name, "EdgeOrder")) {
            if (!integral_scalar(prhs[k + 1], &v)) {
                mexErrMsgIdAndTxt("ngradient:invalidEdgeOrder",
                                  "EdgeOrder must be 1 or 2");
            }
            edge_order = (int32_t)v;
        } else if (same_word(name, "Scheme")) {
            if (!mxIsChar(prhs[k + 1]) || mxGetString(prhs[k + 1], value, sizeof value) != 0 ||
                !(same_word(value, "matlab") || same_word(value, "numpy"))) {
                mexErrMsgIdAndTxt("ngradient:invalidScheme",
                                  "Scheme must be 'matlab' or 'numpy'");
            }
            scheme = same_word(value, "numpy") ? GRAD_SCHEME_NUMPY : GRAD_SCHEME_MATLAB;
        } else {
            mexErrMsgIdAndTxt("ngradient:unknownOption",
                              "unknown option '%s' (expected 'EdgeOrder' or 'Scheme')",
                              name);
        }
    }

    /* The array as the library sees it: MATLAB's dimensions, column-major strides. */
    nd = mxGetNumberOfDimensions(F);
    dims = mxGetDimensions(F);
    if (nd > GRAD_MAX_NDIM) {
        mexErrMsgIdAndTxt("ngradient:invalidNdim", "F has %d dimensions, more than %d",
                          (int)nd, GRAD_MAX_NDIM);
    }
    for (i = 0; i < (int)nd; i++) {
        shape[i] = (size_t)dims[i];
        strides[i] = i == 0 ? 1 : strides[i - 1] * (ptrdiff_t)dims[i - 1];
    }

    /* The axes, in MATLAB's output order: a vector's one axis along its length; else
     * x (dimension 2), y (dimension 1), then 3, 4, ... */
    vector = nd == 2 && (dims[0] == 1 || dims[1] == 1);
    n_dims = vector ? 1 : (int)nd;
    n_out = nlhs < 1 ? 1 : nlhs;
    if (n_out > n_dims) {
        mexErrMsgIdAndTxt("ngradient:tooManyOutputs",
                          "%d outputs requested, but F has %d dimension%s to "
                          "differentiate", n_out, n_dims, n_dims == 1 ? "" : "s");
    }
    for (i = 0; i < n_dims; i++) {
        if (vector) {
            axes[i] = dims[0] == 1 ? 1 : 0;
        } else {
            axes[i] = i == 0 ? 1 : i == 1 ? 0 : i;
        }
    }

    /* The spacing: scalars as numbers (the data's precision, as MATLAB computes), vectors
     * as coordinate arrays where they lie. */
    for (i = 0; i < n_spacing; i++) {
        const mxArray *h = prhs[1 + i];
        memset(&spacing[i], 0, sizeof spacing[i]);
        if (!mxIsNumeric(h) || mxIsSparse(h)) {
            mexErrMsgIdAndTxt("ngradient:invalidInput",
                              "spacing argument %d must be numeric, not %s", i + 1,
                              mxGetClassName(h));
        }
        if (mxGetNumberOfElements(h) == 1 && !mxIsComplex(h)) {
            spacing[i].kind = GRAD_SPACING_KIND_SCALAR;
            spacing[i].h = mxGetScalar(h);
        } else {
            spacing[i].kind = GRAD_SPACING_KIND_COORDINATES;
            spacing[i].dtype = dtype_of(h);
            spacing[i].coordinates = mxGetData(h);
            spacing[i].length = (size_t)mxGetNumberOfElements(h);
            spacing[i].stride = 1;
        }
    }
    /* One scalar serves every axis, and none is unit spacing; otherwise the library wants
     * one per requested axis: all of them when the count is not one per dimension (so
     * that the library reports the count), else those of the requested outputs. */
    {
        int shared = n_spacing == 0 || (n_spacing == 1 && spacing[0].kind != GRAD_SPACING_KIND_COORDINATES);
        int n_axes = shared || n_spacing == n_dims ? n_out : n_dims;
        int n_given = shared ? n_spacing : n_spacing == n_dims ? n_out : n_spacing;

        dtype = dtype_of(F);
        s = grad_options_new(&st.options);
        if (s == GRAD_STATUS_OK) s = grad_options_set_spacing(st.options, spacing, (size_t)n_given);
        if (s == GRAD_STATUS_OK) s = grad_options_set_axes(st.options, axes, (size_t)n_axes);
        if (s == GRAD_STATUS_OK) s = grad_options_set_edge_order(st.options, edge_order);
        if (s == GRAD_STATUS_OK) s = grad_options_set_scheme(st.options, scheme);
        for (k = 0; k < n_axes; k++) {
            for (i = 0; i < (int)nd; i++) out_strides[k * nd + i] = strides[i];
        }
        if (s == GRAD_STATUS_OK) {
            s = grad_plan_new(&st.plan, dtype, (size_t)nd, shape, strides, out_strides,
                              st.options);
        }
        if (s != GRAD_STATUS_OK) library_error(&st, s);

        /* Outputs of F's size, class and complexity, column-major. A complex output gets
         * its interleaved buffer from mxMalloc, set with mxSetComplexDoubles/Singles (as
         * MATLAB documents): Octave 7.3's mxCreateNumericArray(..., mxCOMPLEX) under the
         * interleaved API allocates too little for the complex elements it describes. */
        for (k = 0; k < n_out; k++) {
            plhs[k] = mxCreateNumericArray(nd, dims, mxGetClassID(F),
                                           mxIsComplex(F) ? mxCOMPLEX : mxREAL);
            if (mxIsComplex(F)) {
                size_t bytes = mxGetNumberOfElements(F) * (mxIsDouble(F) ? 16 : 8);
                void *old = mxGetData(plhs[k]), *data = mxCalloc(bytes ? bytes : 1, 1);
                if (mxIsDouble(F)) {
                    mxSetComplexDoubles(plhs[k], (mxComplexDouble *)data);
                } else {
                    mxSetComplexSingles(plhs[k], (mxComplexSingle *)data);
                }
                mxFree(old);
            }
            outs[k] = mxGetData(plhs[k]);
        }
        s = grad_plan_execute(st.plan, mxGetData(F), outs, (size_t)n_out);
        if (s != GRAD_STATUS_OK) library_error(&st, s);
        release(&st);
    }
}
