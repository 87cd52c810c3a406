"""
    NDGradient

numpy.gradient, bit for bit (numpy 2.x), on Julia arrays, computed by libgradient through
its C ABI (`@ccall`). Arrays are read where they lie: any `StridedArray` (column-major
`Array`, views, `PermutedDimsArray` of arrays, reversed ranges), with `strides(A)` handed
over in elements. Results are in Julia's dimension order: output `k` is the derivative
along `dims[k]` (by default dimension `k`).

- [`gradient`](@ref): allocate and return the derivatives;
- [`gradient!`](@ref): write them into arrays of yours;
- [`GradientPlan`](@ref): check once, execute many times (freed by a finalizer or
  `close`);
- [`GradientError`](@ref): every failure, with the library's status and message.

The library is `ENV["GRADIENT_LIBRARY"]` (a path to `libgradient.so`, `.dylib` or `.dll`)
when set, else `libgradient` as `Libdl.find_library` finds it on the system's search path
(after `make install`, or with `LD_LIBRARY_PATH`). It is located, opened and its
functions looked up when the package is loaded (`NDGradient.libgradient_path` says which
file); an error then says what was tried or which function is missing (a library older
than 0.3 lacks `grad_options_set_scheme`).
"""
module NDGradient

using Libdl

export gradient, gradient!, GradientPlan, GradientError, execute!

# The library's functions, looked up once by __init__ (Libdl.dlsym) and read-only after:
# every call goes through `@ccall $(fn(:name))(...)`, the documented form for a function
# pointer, so the library may be any file found at load time.
const FUNCTIONS = Dict{Symbol,Ptr{Cvoid}}()

"""
    fn(name::Symbol) -> Ptr{Cvoid}

The address of libgradient's function `name`, as `__init__` looked it up.
"""
fn(name::Symbol) = FUNCTIONS[name]

"The functions of libgradient the package calls (each must exist when it is loaded)."
const NEEDED = (:grad_last_error_copy, :grad_status_message, :grad_options_new,
                :grad_options_free, :grad_options_set_spacing, :grad_options_set_axes,
                :grad_options_set_edge_order, :grad_options_set_threads,
                :grad_options_set_scheme, :grad_plan_new, :grad_plan_execute, :grad_plan_free)

"The path of the library the package uses (set when it is loaded)."
libgradient_path::String = ""

function __init__()
    path = locate_library()
    handle = Libdl.dlopen(path)
    for name in NEEDED
        FUNCTIONS[name] = Libdl.dlsym(handle, name)   # throws if the library lacks it
    end
    global libgradient_path = path
    return nothing
end

"""
    locate_library() -> String

The path of libgradient: `ENV["GRADIENT_LIBRARY"]` if set (it must name an existing
file), else what `Libdl.find_library(["libgradient"])` finds. Throws an `ErrorException`
naming both when neither gives one.
"""
function locate_library()
    path = get(ENV, "GRADIENT_LIBRARY", "")
    if !isempty(path)
        isfile(path) || error("NDGradient: GRADIENT_LIBRARY=$path is not a file")
        return path
    end
    found = Libdl.find_library(["libgradient"])
    isempty(found) && error("NDGradient: libgradient not found: set ENV[\"GRADIENT_LIBRARY\"] " *
                            "to the path of libgradient.so (target/release/libgradient.so " *
                            "after `make`), or install it (`make install`) on the loader's path")
    return found
end

# ------------------------------------------------------------------ C types and values

"""
    GradSpacing

The C struct `grad_spacing` (one axis's spacing), field for field: `kind`
(`grad_spacing_kind`), `dtype` (of the coordinates), `h` (a scalar step), `coordinates`
(their address), `length` and `stride` (in elements).
"""
struct GradSpacing
    kind::Int32
    dtype::Int32
    h::Cdouble
    coordinates::Ptr{Cvoid}
    length::Csize_t
    stride::Cptrdiff_t
end

const SPACING_UNIT = Int32(0)
const SPACING_SCALAR = Int32(1)
const SPACING_COORDINATES = Int32(4)
const SCHEMES = Dict(:numpy => Int32(0), :matlab => Int32(1))

"""
    grad_dtype(T) -> Int32

The `grad_dtype` value of element type `T` (0 for a type the library does not take).
"""
grad_dtype(::Type{Float64}) = Int32(1)
grad_dtype(::Type{Float32}) = Int32(2)
grad_dtype(::Type{ComplexF64}) = Int32(3)
grad_dtype(::Type{ComplexF32}) = Int32(4)
grad_dtype(::Type{Int8}) = Int32(5)
grad_dtype(::Type{Int16}) = Int32(6)
grad_dtype(::Type{Int32}) = Int32(7)
grad_dtype(::Type{Int64}) = Int32(8)
grad_dtype(::Type{UInt8}) = Int32(9)
grad_dtype(::Type{UInt16}) = Int32(10)
grad_dtype(::Type{UInt32}) = Int32(11)
grad_dtype(::Type{UInt64}) = Int32(12)
grad_dtype(::Type) = Int32(0)

"""
    output_type(T) -> Type

The element type of the derivatives of data of type `T`: `T` itself for floating and
complex types, `Float64` for integers (converted before any subtraction, as numpy does).
"""
output_type(::Type{T}) where {T<:Union{Float64,Float32,ComplexF64,ComplexF32}} = T
output_type(::Type{<:Integer}) = Float64
output_type(::Type{T}) where {T} = T   # unsupported: GradientPlan says so

# ------------------------------------------------------------------ errors

"""
    GradientError(status, name, message)

A failure of libgradient: `status` is the C `grad_status` code, `name` its short
description (`grad_status_message`), `message` the detail of the failed call
(`"axis 1 has 2 elements and edge_order is 2"`, with axes counted from 0: axis `k` is
dimension `k + 1`). Nothing has been written to any output when it is thrown.
"""
struct GradientError <: Exception
    status::Int32
    name::String
    message::String
end

Base.showerror(io::IO, e::GradientError) =
    print(io, "GradientError(", e.status, ", ", e.name, "): ", e.message)

"""
    throw_status(status, buf)

Throws the [`GradientError`](@ref) of the call that just returned `status` on this
thread. The detail is copied by `grad_last_error_copy` into `buf`, allocated before that
call: the copy must run on the thread that made the failed call, and a Julia task moves
between threads only where it yields, which nothing between the two calls does.
"""
function throw_status(status::Int32, buf::Vector{UInt8})
    n = @ccall $(fn(:grad_last_error_copy))(buf::Ptr{UInt8}, length(buf)::Csize_t)::Csize_t
    detail = unsafe_string(pointer(buf), min(Int(n), length(buf) - 1))
    name = unsafe_string(@ccall $(fn(:grad_status_message))(status::Int32)::Ptr{UInt8})
    throw(GradientError(status, name, detail))
end

"""
    @check call

Evaluates the `@ccall` expression `call` (a `grad_status`) and throws its
[`GradientError`](@ref) unless it is 0, with the message buffer allocated before the call.
"""
macro check(call)
    quote
        local buf = Vector{UInt8}(undef, 1024)
        local status = $(esc(call))
        status == Int32(0) || throw_status(status, buf)
        nothing
    end
end

# ------------------------------------------------------------------ spacing

"""
    spacing_entry(s) -> (GradSpacing, root)

The C description of one spacing argument: `nothing` is unit
spacing, a `Real` a scalar step (numpy's Python-number rule: arithmetic in the data's
precision), an `AbstractVector{<:Real}` of a `grad_dtype` type coordinates, read where
they lie when strided (else copied into a `Vector`). `root` holds what must stay alive
(and `GC.@preserve`d) while the library reads it; the library copies coordinates into
options, so only for the duration of the options call.
"""
function spacing_entry(s)
    if s === nothing
        return GradSpacing(SPACING_UNIT, 0, 0.0, C_NULL, 0, 0), nothing
    elseif s isa Real
        return GradSpacing(SPACING_SCALAR, 0, Float64(s), C_NULL, 0, 0), nothing
    elseif s isa AbstractVector{<:Real}
        x = (s isa StridedVector && grad_dtype(eltype(s)) != 0) ? s : collect(Float64, s)
        return GradSpacing(SPACING_COORDINATES, grad_dtype(eltype(x)), 0.0,
                           Ptr{Cvoid}(pointer(x)), length(x), stride(x, 1)), x
    else
        throw(ArgumentError("a spacing must be nothing, a real number or a vector of reals, " *
                            "not $(typeof(s))"))
    end
end

# ------------------------------------------------------------------ plans

"""
    GradientPlan(T, sz, spacing...; strides, out_strides, dims, edge_order, threads, scheme)

A gradient of arrays of element type `T` and size `sz` made ready once: every check
(numpy's, in numpy's order) is done and every coefficient computed by `grad_plan_new`;
[`execute!`](@ref) then computes on data, and [`gradient`](@ref) and [`gradient!`](@ref)
use one. Arguments as for [`gradient`](@ref), plus the element `strides` of the input
(default: column-major, as `strides(Array{T}(undef, sz))`) and `out_strides`, the strides
of every output (default: column-major). The spacing (coordinates included) is copied:
later changes to the vectors do not affect the plan.

Freed by its finalizer, or at once by `close(plan)`. Any number of tasks may execute one
plan at the same time on outputs no other call uses; `close` must not run concurrently
with an execution.

Throws a [`GradientError`](@ref) for anything numpy or the library refuses.
"""
mutable struct GradientPlan{T}
    handle::Ptr{Cvoid}
    size::Vector{Int}
    strides::Vector{Int}
    out_strides::Vector{Int}
    dims::Vector{Int}

    function GradientPlan(::Type{T}, sz, spacing...; strides=nothing, out_strides=nothing,
                          dims=1:length(sz), edge_order::Integer=1, threads::Integer=1,
                          scheme::Symbol=:numpy) where {T}
        dtype = grad_dtype(T)
        dtype == 0 && throw(ArgumentError("element type $T is not supported " *
                                          "(Float64, Float32, ComplexF64, ComplexF32, Int8-64, UInt8-64 are)"))
        haskey(SCHEMES, scheme) || throw(ArgumentError("scheme must be :numpy or :matlab, not :$scheme"))
        n = length(sz)
        size_v = collect(Int, sz)
        colmajor = n == 0 ? Int[] : [prod(size_v[1:k-1]; init=1) for k in 1:n]
        strides_v = strides === nothing ? colmajor : collect(Int, strides)
        dims_v = collect(Int, dims)
        n_out = length(dims_v)
        outs_v = out_strides === nothing ? repeat(colmajor, n_out) : collect(Int, out_strides)
        length(strides_v) == n || throw(ArgumentError("strides must have $n entries"))
        length(outs_v) == n * n_out ||
            throw(ArgumentError("out_strides must have $(n * n_out) entries (one set per output)"))
        entries = [spacing_entry(s) for s in spacing]
        c_spacing = GradSpacing[e[1] for e in entries]
        roots = [e[2] for e in entries]
        axes = Int32[d - 1 for d in dims_v]
        plan = new{T}(C_NULL, size_v, strides_v, outs_v, dims_v)
        options = Ref{Ptr{Cvoid}}(C_NULL)
        handle = Ref{Ptr{Cvoid}}(C_NULL)
        try
            @check @ccall $(fn(:grad_options_new))(options::Ptr{Ptr{Cvoid}})::Int32
            GC.@preserve roots begin
                @check @ccall $(fn(:grad_options_set_spacing))(
                    options[]::Ptr{Cvoid}, c_spacing::Ptr{GradSpacing},
                    length(c_spacing)::Csize_t)::Int32
            end
            @check @ccall $(fn(:grad_options_set_axes))(
                options[]::Ptr{Cvoid}, axes::Ptr{Int32}, length(axes)::Csize_t)::Int32
            @check @ccall $(fn(:grad_options_set_edge_order))(
                options[]::Ptr{Cvoid}, Int32(edge_order)::Int32)::Int32
            @check @ccall $(fn(:grad_options_set_threads))(
                options[]::Ptr{Cvoid}, Csize_t(max(threads, 0))::Csize_t)::Int32
            @check @ccall $(fn(:grad_options_set_scheme))(
                options[]::Ptr{Cvoid}, SCHEMES[scheme]::Int32)::Int32
            sizes = Csize_t.(size_v)
            c_strides = Cptrdiff_t.(strides_v)
            c_out_strides = Cptrdiff_t.(outs_v)
            @check @ccall $(fn(:grad_plan_new))(
                handle::Ptr{Ptr{Cvoid}}, dtype::Int32, n::Csize_t, sizes::Ptr{Csize_t},
                c_strides::Ptr{Cptrdiff_t}, c_out_strides::Ptr{Cptrdiff_t},
                options[]::Ptr{Cvoid})::Int32
        finally
            @ccall $(fn(:grad_options_free))(options[]::Ptr{Cvoid})::Cvoid
        end
        plan.handle = handle[]
        finalizer(close, plan)
        return plan
    end
end

"""
    close(plan::GradientPlan)

Frees the plan's C object now (`grad_plan_free`); the finalizer does it otherwise.
Executing a closed plan throws an `ArgumentError`. Closing twice is harmless.
"""
function Base.close(plan::GradientPlan)
    handle = plan.handle
    plan.handle = C_NULL
    @ccall $(fn(:grad_plan_free))(handle::Ptr{Cvoid})::Cvoid
    return nothing
end

"""
    execute!(outs, plan::GradientPlan{T}, A::StridedArray{T})

Computes the plan's derivatives of `A` into `outs` (one array per requested dimension,
in the order of the plan's `dims`, of `output_type(T)`). `A` and the outputs must have
the plan's size and strides (`ArgumentError` otherwise); the library then checks the
addresses (alignment, overlap) and throws a [`GradientError`](@ref) on failure, with
nothing written. Returns `outs`.
"""
function execute!(outs, plan::GradientPlan{T}, A::StridedArray{T}) where {T}
    plan.handle == C_NULL && throw(ArgumentError("the plan is closed"))
    n = length(plan.size)
    collect(size(A)) == plan.size && collect(strides(A)) == plan.strides ||
        throw(ArgumentError("A has size $(size(A)) and strides $(strides(A)); the plan was " *
                            "made for $(Tuple(plan.size)) and $(Tuple(plan.strides))"))
    length(outs) == length(plan.dims) ||
        throw(ArgumentError("$(length(outs)) outputs for $(length(plan.dims)) dimensions"))
    O = output_type(T)
    for (k, o) in enumerate(outs)
        o isa StridedArray{O} && collect(size(o)) == plan.size &&
            collect(strides(o)) == plan.out_strides[(k-1)*n+1:k*n] ||
            throw(ArgumentError("output $k must be a StridedArray{$O} of the plan's size and " *
                                "output strides"))
    end
    pointers = Ptr{Cvoid}[Ptr{Cvoid}(pointer(o)) for o in outs]
    GC.@preserve A outs begin
        @check @ccall $(fn(:grad_plan_execute))(
            plan.handle::Ptr{Cvoid}, Ptr{Cvoid}(pointer(A))::Ptr{Cvoid},
            pointers::Ptr{Ptr{Cvoid}}, length(pointers)::Csize_t)::Int32
    end
    return outs
end

# ------------------------------------------------------------------ one-call forms

"""
    gradient(A::StridedArray, spacing...; dims=1:ndims(A), edge_order=1, threads=1,
             scheme=:numpy) -> Tuple

The derivative of `A` along each dimension in `dims`, as
`numpy.gradient(A, *spacing, axis=dims .- 1, edge_order=edge_order)` computes it on the
same array (numpy's axis `k - 1` is Julia's dimension `k`), bit for bit: a tuple of
arrays of `A`'s size (column-major), one per entry of `dims`, in that order.

- `spacing`: nothing (unit spacing), one real number for every dimension, or one entry
  per dimension of `dims`: `nothing` (unit), a real step, or a vector of coordinates as
  long as that dimension. A real step follows numpy's rule for a Python number
  (arithmetic in `A`'s precision); `Float64` coordinates make `Float32` data compute in
  double precision, rounded once.
- `edge_order`: 1 or 2, the accuracy of the one-sided differences at both ends.
- `threads`: up to this many threads inside the call (at most one per 2^18 elements);
  the bits never depend on it.
- `scheme`: `:numpy` (the default) or `:matlab`, MATLAB's `gradient` formulas
  (first-order interior on coordinates, `edge_order` 1 only, zeros along a dimension of
  length 1).

Element types: `Float64`, `Float32`, `ComplexF64`, `ComplexF32` (results of the same
type) and `Int8`...`UInt64` (`Float64` results). Throws a [`GradientError`](@ref) for
anything numpy refuses (too short a dimension, a coordinate vector of the wrong length,
...), with the library's message. Thread-safe: concurrent calls are independent.

```julia
julia> gradient([1.0, 2, 4, 7, 11, 16])
([1.0, 1.5, 2.5, 3.5, 4.5, 5.0],)

julia> gx, gy = gradient([1.0 2 6; 3 4 5], 2.0, [0.0, 1, 3])
```
"""
function gradient(A::StridedArray{T}, spacing...; dims=1:ndims(A), edge_order::Integer=1,
                  threads::Integer=1, scheme::Symbol=:numpy) where {T}
    O = output_type(T)
    outs = Tuple(Array{O}(undef, size(A)) for _ in dims)
    return gradient!(outs, A, spacing...; dims=dims, edge_order=edge_order, threads=threads,
                     scheme=scheme)
end

"""
    gradient!(outs, A::StridedArray, spacing...; dims=1:ndims(A), edge_order=1, threads=1,
              scheme=:numpy) -> outs

[`gradient`](@ref) into `outs`: one `StridedArray` of `A`'s size and of the output type
(`A`'s element type, or `Float64` for integers) per entry of `dims`, any strides (views,
the slices `view(G, :, :, k)` of one array). An output sharing memory with `A` or with
another output throws a [`GradientError`](@ref) (`GRAD_STATUS_OVERLAP`), and on any error
nothing is written.
"""
function gradient!(outs, A::StridedArray{T}, spacing...; dims=1:ndims(A),
                   edge_order::Integer=1, threads::Integer=1, scheme::Symbol=:numpy) where {T}
    out_strides = Int[s for o in outs for s in strides(o)]
    plan = GradientPlan(T, size(A), spacing...; strides=strides(A), out_strides=out_strides,
                        dims=dims, edge_order=edge_order, threads=threads, scheme=scheme)
    try
        execute!(outs, plan, A)
    finally
        close(plan)
    end
    return outs
end

end # module
