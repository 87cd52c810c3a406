% NGRADIENT  Numerical gradient computed by libgradient, called as GRADIENT is.
%
%   FX = ngradient(F) is the derivative of the vector F along its length, or, for a
%   matrix or N-D array, along dimension 2 (x, across columns), with unit spacing.
%
%   [FX, FY, FZ, ...] = ngradient(F) returns the derivatives along dimension 2 (x),
%   dimension 1 (y), then dimensions 3, 4, ..., as GRADIENT does. Only the outputs
%   requested are computed; asking for more outputs than F has dimensions (one for a
%   vector) is an error.
%
%   ngradient(F, h) uses the scalar step h on every dimension.
%   ngradient(F, hx, hy, hz, ...) gives one spacing per dimension, in the output order
%   (hx for dimension 2, hy for dimension 1, ...): each a scalar step or a vector of
%   coordinates as long as that dimension (double, single or integer, real). A vector F
%   takes one spacing, along its length.
%
%   ngradient(..., 'EdgeOrder', e, 'Scheme', s) with the options (names case-insensitive):
%     'Scheme'     'matlab' (the default): the formulas of MATLAB's GRADIENT.
%                    Interior points (F(i+1) - F(i-1)) / (x(i+1) - x(i-1)), i.e.
%                    (F(i+1) - F(i-1)) / (2h) on a uniform step; first-order one-sided
%                    differences at both ends, (F(2) - F(1)) / (x(2) - x(1)); a dimension
%                    of length 1 has derivative 0.
%                  'numpy': numpy.gradient's formulas, bit for bit (numpy 2.x): on
%                    coordinates its second-order three-point interior, EdgeOrder 1 or
%                    2, and every differentiated dimension needs EdgeOrder + 1 points.
%     'EdgeOrder'  1 (the default) or 2; 2 only with 'Scheme', 'numpy'.
%
%   F is double or single, real or complex, full, with at most 64 dimensions; each
%   output has F's size, class and complexity. Arithmetic follows numpy's precision
%   rules for both schemes: single F with scalar steps computes in single precision,
%   single F with double coordinates in double precision rounded once at the end.
%   Results of the 'matlab' scheme agree with MATLAB's and Octave's GRADIENT to a few
%   units in the last place, not always bit for bit (see README.md, "MATLAB and
%   Octave").
%
%   The data is read where it lies (no copy) and the computation runs on the calling
%   thread; ngradient keeps no state between calls.
%
%   Errors (identifier: when):
%     ngradient:invalidInput      F not a full double/single array; a non-numeric spacing
%     ngradient:unknownOption     an unknown option name, or a name without a value
%     ngradient:invalidScheme     'Scheme' not 'matlab' or 'numpy'
%     ngradient:invalidEdgeOrder  'EdgeOrder' not 1 or 2 (not 1 under the 'matlab' scheme)
%     ngradient:tooManyOutputs    more outputs than F has dimensions (1 for a vector)
%     ngradient:spacingCount      spacing count not 0, 1 scalar, or one per dimension
%     ngradient:coordinatesLength a coordinate vector's length differs from its dimension's
%     ngradient:invalidDtype      complex coordinates
%     ngradient:axisTooShort      'numpy' scheme: a dimension shorter than EdgeOrder + 1
%     ngradient:invalidNdim       more than 64 dimensions
%   and one identifier per other status of the C library (ngradient:outOfMemory, ...).
%   The message is the library's: its status text and the detail of the failure, where
%   "axis k" counts from 0 in storage order, i.e. MATLAB's dimension k+1.
%
%   Examples:
%     [fx, fy] = ngradient([1 2 6; 3 4 5])           % fx = [1 2.5 4; 1 1 1], fy = [2 2 -1; 2 2 -1]
%     ngradient([5 7 4 8], [0 1 3 3.5])              % [2 -0.3333 0.4 8], as gradient(...)
%     ngradient([5 7 4 8], [0 1 3 3.5], 'Scheme', 'numpy', 'EdgeOrder', 2)
%                                                    % [3.1667 0.8333 6.1 9.9], as numpy
%
%   Build (once, from the repository root, after `make` or `cargo build --release`):
%     Octave:  mkoctfile --mex -R2018a -Iinclude -o bindings/matlab/ngradient ...
%                bindings/matlab/ngradient.c target/release/libgradient.a -lpthread -ldl -lm
%     MATLAB:  mex -R2018a -Iinclude -outdir bindings/matlab bindings/matlab/ngradient.c ...
%                target/release/libgradient.a -lpthread -ldl -lm
%   then addpath('bindings/matlab'). This file is the help text; the MEX file runs.
%
%   See also GRADIENT, DEL2, DIFF.
function varargout = ngradient(varargin) %#ok<STOUT>
  error('ngradient:notBuilt', ...
        'ngradient: the MEX file is not built; see "help ngradient" for the build command');
end
