# NDGradient's tests: numpy's golden values bit for bit (golden.jl, written by
# bindings/make-golden.py with the repository's pinned numpy), plans, in-place forms on
# views, the matlab scheme against its definition, and errors with the library's
# messages. Run with the library built (cargo build --release) and
#   GRADIENT_LIBRARY=$PWD/target/release/libgradient.so julia --project=bindings/julia \
#       -e 'using Pkg; Pkg.test()'
using NDGradient
using Test

include("golden.jl")

"Bit patterns, so that -0.0 differs from 0.0 and NaNs compare by payload."
bits(a::AbstractArray{Float64}) = reinterpret(UInt64, collect(a))
bits(a::AbstractArray{Float32}) = reinterpret(UInt32, collect(a))
bits(a::AbstractArray{<:Complex}) = (bits(real.(a)), bits(imag.(a)))

@testset "NDGradient" begin
    @testset "numpy golden values: $(c.name)" for c in GOLDEN
        dims = [d for d in 1:ndims(c.F) if c.want[d] !== nothing]
        spacing = [c.spacing[d] for d in dims]
        got = gradient(c.F, spacing...; dims=dims, edge_order=c.edge_order)
        @test length(got) == length(dims)
        for (k, d) in enumerate(dims)
            @test eltype(got[k]) == eltype(c.want[d])
            @test size(got[k]) == size(c.F)
            @test bits(got[k]) == bits(c.want[d])
        end
        # The same bits through a plan executed twice, and into views of one array
        # (gradient!).
        plan = GradientPlan(eltype(c.F), size(c.F), spacing...; dims=dims,
                            edge_order=c.edge_order)
        for _ in 1:2
            outs = Tuple(similar(c.F) for _ in dims)
            execute!(outs, plan, c.F)
            @test all(bits(outs[k]) == bits(got[k]) for k in eachindex(dims))
        end
        close(plan)
        close(plan)  # harmless
        @test_throws ArgumentError execute!(Tuple(similar(c.F) for _ in dims), plan, c.F)
        G = similar(c.F, size(c.F)..., length(dims))
        outs = Tuple(selectdim(G, ndims(G), k) for k in eachindex(dims))
        gradient!(outs, c.F, spacing...; dims=dims, edge_order=c.edge_order)
        @test all(bits(outs[k]) == bits(got[k]) for k in eachindex(dims))
    end

    @testset "dimension order, threads and integers" begin
        A = [1.0 2 6; 3 4 5]
        gy, gx = gradient(A)                      # Julia's order: dimension 1, then 2
        @test gy == [2.0 2 -1; 2 2 -1]
        @test gx == [1.0 2.5 4; 1 1 1]
        @test gradient(A; dims=(2,)) == (gx,)
        @test gradient(A; threads=4) == (gy, gx)
        @test gradient(Int8[1 2 6; 3 4 5]) == (gy, gx)  # integers give Float64
        @test gradient([5.0, 7, 4, 8], 0.5) == ([4.0, -1, 1, 8],)
        @test gradient(view([5.0, 7, 4, 8], 4:-1:1)) == ([-4.0, -0.5, 0.5, -2.0],)  # negative stride
    end

    @testset "matlab scheme" begin
        f = [5.0, 7, 4, 8]
        x = [0.0, 1, 3, 3.5]
        # (f[i+1] - f[i-1]) / (x[i+1] - x[i-1]) inside, one-sided differences at the ends.
        @test gradient(f, x; scheme=:matlab) == ([2.0, (4 - 5) / 3, (8 - 7) / 2.5, 8.0],)
        @test gradient([3.0 1 4]; scheme=:matlab)[1] == [0.0 0 0]   # length-1 dimension
        @test_throws GradientError gradient(f; edge_order=2, scheme=:matlab)
        @test_throws ArgumentError gradient(f; scheme=:octave)
    end

    @testset "errors carry the library's status and message" begin
        e = try
            gradient([1.0, 2.0]; edge_order=2)
        catch err
            err
        end
        @test e isa GradientError
        @test e.status == 13                      # GRAD_STATUS_AXIS_TOO_SHORT
        @test occursin("axis 0 has 2 elements and edge_order is 2", e.message)
        @test occursin("axis too short", e.name)
        e = try
            gradient(ones(3, 4), [0.0, 1, 2], [0.0, 1, 2])
        catch err
            err
        end
        @test e.status == 10                      # GRAD_STATUS_COORDINATES_LENGTH
        @test occursin("axis 1 has 4 elements but 3 coordinates", e.message)
        @test_throws GradientError gradient(ones(3); dims=(2,))   # AXIS_OUT_OF_BOUNDS
        @test_throws GradientError gradient(ones(3); edge_order=3)
        @test_throws ArgumentError gradient(fill(true, 3))        # Bool is not supported
        A = ones(4)
        @test_throws GradientError gradient!((A,), A)             # OVERLAP: output is A
    end
end
