function test_ngradient()
% TEST_NGRADIENT  The MEX gateway's tests, run by bindings/matlab/run-tests.sh in Octave:
%   1. the 'matlab' scheme against Octave's own gradient (the oracle), within 4 units in
%      the last place of the larger of the result and the scale of its operands
%      (max|F| / smallest step: Octave divides the last edge's samples before subtracting
%      them, so its error is relative to the samples, not to their difference), on
%      real/complex, double/single, 1-D to 4-D arrays, row and column vectors, singleton
%      dimensions, unit/uniform/per-dimension/coordinate spacing and fewer outputs;
%   2. the 'numpy' scheme bit for bit against numpy's golden values (golden_numpy.m);
%   3. every error path of the gateway: identifier and message.
% Any failure raises an error (non-zero exit status from octave-cli).
  checks = 0;
  checks = checks + against_octave();
  checks = checks + against_numpy();
  checks = checks + error_paths();
  printf('test_ngradient: %d checks passed\n', checks);
end

function n = against_octave()
  n = 0;
  worst = 0;
  rand('seed', 42);
  shapes = {[1 7], [7 1], [1 1], [5 6], [4 5 3], [3 4 2 5], [1 5 4], [5 1 3], [4 1], ...
            [2 2], [6 1 1 3], [1 2]};
  classes = {'double', 'single'};
  for si = 1:numel(shapes)
    sz = shapes{si};
    for ci = 1:numel(classes)
      for cplx = [false true]
        F = cast(4 * rand(sz) - 2, classes{ci});
        if cplx
          F = complex(F, cast(4 * rand(sz) - 2, classes{ci}));
        end
        vec = numel(sz) == 2 && any(sz == 1);
        nd = ifelse(vec, 1, numel(sz));
        lens = ifelse(vec, max(sz), sz([2 1 3:end]));   % per output, MATLAB's order
        for form = 1:4
          switch form
            case 1   % unit spacing
              sp = {};
              hmin = 1;
            case 2   % one uniform step
              sp = {0.3};
              hmin = 0.3;
            case 3   % one step per dimension
              sp = num2cell(0.2 + (1:nd) * 0.35);
              hmin = min(cell2mat(sp));
            case 4   % coordinates (scalars where a dimension has length 1)
              sp = cell(1, nd);
              hmin = inf;
              for d = 1:nd
                if lens(d) == 1
                  sp{d} = 0.7;
                  hmin = min(hmin, 0.7);
                else
                  steps = 0.1 + rand(1, lens(d) - 1);
                  sp{d} = cumsum([0.5 + rand(), steps]);
                  hmin = min(hmin, min(steps));
                end
              end
          end
          for nout = 1:nd
            want = cell(1, nout);
            got = cell(1, nout);
            try
              [want{:}] = gradient(F, sp{:});
            catch
              % Octave 7.3's gradient fails on a length-1 dimension 1 of an N-D array
              % (1x5x4, outputs 2 and 3): then each output on its own (below).
              for k = 1:nout
                want{k} = octave_output(F, sp, k, lens(k));
              end
            end
            [got{:}] = ngradient(F, sp{:});
            scale = max(abs(F(:))) / hmin;
            for k = 1:nout
              if ~isequal(size(want{k}), size(F)) && numel(want{k}) == numel(F) && ~vec
                % Octave 7.3's gradient drops a leading singleton dimension of an N-D
                % array (its shiftdim round trip: 1x5x4 gives 5x4); MATLAB's, like
                % ngradient, keeps F's size. Same elements, same order.
                want{k} = reshape(want{k}, size(F));
              end
              assert_close(got{k}, want{k}, scale, sprintf('%s size %s form %d output %d of %d', ...
                           class_name(F), mat2str(sz), form, k, nout));
              worst = max(worst, ulps(got{k}, want{k}, scale));
              n = n + 1;
            end
          end
        end
      end
    end
  end
  printf('matlab scheme vs Octave gradient: %d comparisons, largest difference %.2f ulp\n', ...
         n, worst);
end

function w = octave_output(F, sp, k, len)
  % Output k of Octave's gradient, computed alone: zeros along a length-1 dimension
  % (MATLAB's rule, which Octave's gradient follows where it runs), else Octave's
  % gradient along dimension 2 of F with that dimension permuted there.
  dims = [2 1 3:ndims(F)];
  d = dims(k);
  if len == 1
    w = zeros(size(F), class(F));
    return;
  end
  order = 1:ndims(F);
  order([2 d]) = [d 2];
  h = {};
  if numel(sp) == 1
    h = sp;
  elseif numel(sp) > 1
    h = sp(k);
  end
  P = permute(F, order);
  w = ipermute(reshape(gradient(P, h{:}), size(P)), order);   % reshape: as above
end

function s = class_name(F)
  s = class(F);
  if iscomplex(F)
    s = ['complex ' s];
  end
end

function v = ifelse(c, a, b)
  if c
    v = a;
  else
    v = b;
  end
end

function u = ulps(got, want, scale)
  % The largest difference in units of eps(class) * max(|want|, scale), real and imaginary
  % parts separately.
  e = double(eps(class(want)));
  ref = max(abs(double([real(want(:)); imag(want(:))])), scale);
  d = abs(double([real(got(:)); imag(got(:))]) - double([real(want(:)); imag(want(:))]));
  if isempty(d)
    u = 0;
  else
    u = max(d ./ (e * ref));
  end
end

function assert_close(got, want, scale, what)
  if ~isequal(size(got), size(want)) || ~strcmp(class(got), class(want))
    error('test:mismatch', '%s: %s %s vs Octave %s %s', what, class(got), mat2str(size(got)), ...
          class(want), mat2str(size(want)));
  end
  if ulps(got, want, scale) > 4
    error('test:mismatch', '%s: %.2f ulp from Octave''s gradient', what, ulps(got, want, scale));
  end
end

function n = against_numpy()
  n = 0;
  cases = golden_numpy();
  for c = 1:numel(cases)
    cs = cases(c);
    sz = size(cs.F);
    vec = numel(sz) == 2 && any(sz == 1);
    if vec
      dims = find(sz ~= 1);
    else
      dims = [2 1 3:numel(sz)];
    end
    sp = cell(1, numel(dims));
    unit = true;
    for k = 1:numel(dims)
      s = cs.spacing{dims(k)};
      unit = unit && ischar(s);
      if ischar(s)
        s = 1;   % numpy's unit spacing is a step of 1 (Python int): the same bits
      end
      sp{k} = s;
    end
    if unit
      sp = {};
    end
    got = cell(1, numel(dims));
    [got{:}] = ngradient(cs.F, sp{:}, 'Scheme', 'numpy', 'EdgeOrder', cs.edge_order);
    for k = 1:numel(dims)
      want = cs.want{dims(k)};
      if ~isequal(size(got{k}), size(want)) || ~strcmp(class(got{k}), class(want)) ...
         || ~bits_equal(got{k}, want)
        error('test:numpy', 'numpy case %s, dimension %d: not numpy''s bits', cs.name, dims(k));
      end
      n = n + 1;
    end
  end
  printf('numpy scheme vs numpy golden values: %d arrays bit for bit\n', n);
end

function b = bits_equal(a, w)
  t = ifelse(isa(w, 'single'), 'uint32', 'uint64');
  b = isequal(typecast(real(a(:)), t), typecast(real(w(:)), t)) ...
      && isequal(typecast(imag(a(:)), t), typecast(imag(w(:)), t));
end

function n = error_paths()
  n = 0;
  F = magic(4);
  rows = {
    % identifier, message part, arguments
    {'ngradient:invalidInput', 'full double or single', {int32(F)}}
    {'ngradient:invalidInput', 'full double or single', {'abc'}}
    {'ngradient:invalidInput', 'full double or single', {sparse(F)}}
    {'ngradient:invalidInput', 'F is required', {}}
    {'ngradient:invalidInput', 'must be numeric', {F, {1}}}
    {'ngradient:unknownOption', 'unknown option ''Order''', {F, 'Order', 2}}
    {'ngradient:unknownOption', 'has no value', {F, 'EdgeOrder'}}
    {'ngradient:unknownOption', 'expected an option name', {F, 'Scheme', 'numpy', 3}}
    {'ngradient:invalidScheme', 'matlab'' or ''numpy', {F, 'Scheme', 'octave'}}
    {'ngradient:invalidScheme', 'matlab'' or ''numpy', {F, 'Scheme', 1}}
    {'ngradient:invalidEdgeOrder', 'EdgeOrder must be 1 or 2', {F, 'EdgeOrder', 1.5}}
    {'ngradient:invalidEdgeOrder', 'got 3', {F, 'Scheme', 'numpy', 'EdgeOrder', 3}}
    {'ngradient:invalidEdgeOrder', '1 under the matlab scheme', {F, 'EdgeOrder', 2}}
    {'ngradient:spacingCount', '3 spacing values for 2 axes', {F, 1, 2, 3}}
    {'ngradient:spacingCount', 'invalid number of arguments', {F, 1:4}}
    {'ngradient:coordinatesLength', 'axis 1 has 4 elements but 3 coordinates', {F, 1:3, 1}}
    {'ngradient:invalidDtype', 'coordinates must be real', {F, (1:4) * 1i, 1}}
    {'ngradient:axisTooShort', 'axis 1 has 1 elements and edge_order is 1', {5, 'Scheme', 'numpy'}}
    {'ngradient:axisTooShort', 'axis 1 has 2 elements and edge_order is 2', {[1 2], 'Scheme', 'numpy', 'EdgeOrder', 2}}
  };
  for r = 1:numel(rows)
    row = rows{r};
    n = n + expect_error(row{1}, row{2}, row{3}, 1);
  end
  % The 'numpy' scheme checks the requested dimensions only: dimension 1 (length 1) when
  % FY is requested, not before.
  n = n + expect_error('ngradient:axisTooShort', 'axis 0 has 1 elements and edge_order is 1', ...
                       {ones(1, 3, 2), 'Scheme', 'numpy'}, 2);
  fx = ngradient(ones(1, 3, 2), 'Scheme', 'numpy');
  if ~isequal(fx, zeros(1, 3, 2))
    error('test:errors', 'FX alone of a 1x3x2 array under the numpy scheme');
  end
  % Too many outputs: a vector has one derivative, an N-D array N.
  n = n + expect_error('ngradient:tooManyOutputs', '2 outputs requested', {1:5}, 2);
  n = n + expect_error('ngradient:tooManyOutputs', '3 outputs requested', {F}, 3);
  % Unreachable from here, so not tested: NULL_POINTER, MISALIGNED, OVERFLOW, OVERLAP,
  % OUTPUT_COUNT, OUTPUT_TOO_SMALL, INVALID_LAYOUT, SHAPE_MISMATCH, INVALID_SPACING_KIND,
  % REPEATED_AXIS, AXIS_OUT_OF_BOUNDS (the gateway builds those arguments itself),
  % COORDINATES_TOO_SHORT (a one-element spacing is a scalar step), INVALID_NDIM (an
  % array of more than 64 dimensions), OUT_OF_MEMORY.
  printf('error paths: %d identifiers and messages\n', n);
end

function n = expect_error(id, part, args, nout)
  out = cell(1, nout);
  try
    [out{:}] = ngradient(args{:});
  catch err
    if ~strcmp(err.identifier, id)
      error('test:errors', 'expected %s, got %s: %s', id, err.identifier, err.message);
    end
    if isempty(strfind(err.message, part))
      error('test:errors', '%s: message "%s" lacks "%s"', id, err.message, part);
    end
    n = 1;
    return;
  end
  error('test:errors', 'expected %s ("%s"), but the call succeeded', id, part);
end
