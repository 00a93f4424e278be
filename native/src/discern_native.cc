// discern's native tier: TensorFlow.js kernels computed by oneDNN on the caller's typed arrays
// (views of the wasm heap), with no copies. Each entry point takes the operands, the output and
// the geometry; primitives (and the scratch buffers for oneDNN's preferred weight layouts) are
// created once per geometry and cached, since a training loop repeats the same shapes.
#include <napi.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

struct MatMul;
struct ConvForward;
struct ConvBackwardData;
struct ConvBackwardWeights;
template <typename T>
using Cache = std::unordered_map<std::string, std::unique_ptr<T>>;

// Per thread: a oneDNN stream may not be shared between threads, and the cached primitives own
// scratch buffers for their weights. Data-parallel training (src/train/replicas.ts) calls the
// addon from several worker threads at once. Members are destroyed in reverse order: the caches
// before the stream and the engine they were made with.
struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  Cache<MatMul> matmuls;
  Cache<ConvForward> convForwards;
  Cache<ConvBackwardData> convBackwardDatas;
  Cache<ConvBackwardWeights> convBackwardWeightss;
  ~ThreadState();
};

ThreadState& local() {
  thread_local ThreadState state;
  return state;
}

dnnl::engine& cpu() { return local().engine; }
dnnl::stream& stream() { return local().stream; }

float* data(const Napi::Value& v, size_t expected, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float32Array");
  }
  auto array = v.As<Napi::Float32Array>();
  if (array.ElementLength() != expected) {
    throw Napi::RangeError::New(v.Env(), std::string(what) + ": expected " + std::to_string(expected) +
                                             " elements, got " + std::to_string(array.ElementLength()));
  }
  return array.Data();
}

std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t first, size_t count) {
  std::vector<int64_t> out(count);
  for (size_t i = 0; i < count; i++) out[i] = info[first + i].As<Napi::Number>().Int64Value();
  return out;
}

// Threads for one primitive: all of them (the user's setting) for large products, one for small
// ones, where forking costs more than it saves. Measured on a 2-core VM: a second thread speeds
// up the DCGAN's 0.8-GFLOP convolutions by ~20% and slows the MLP's 50-MFLOP products down.
int maxThreads = 1;
constexpr double kParallelFlops = 1e8;

int threadsFor(double flops) {
  int n = flops >= kParallelFlops ? maxThreads : 1;
  omp_set_num_threads(n);
  return n;
}

std::string key(const char* op, const std::vector<int64_t>& dims) {
  std::string k(op);
  for (auto d : dims) k += ":" + std::to_string(d);
  return k;
}

// ---------------------------------------------------------------------------------------------
// Batched matrix product C[b] = op(A[b]) · op(B[b]); a batch of 1 broadcasts. Transposes are
// expressed as strides, so no operand is ever copied.

struct MatMul {
  dnnl::matmul primitive;
  memory::desc a, b, c;
};

Napi::Value MatMulKernel(const Napi::CallbackInfo& info) {
  // (a, b, out, batchA, batchB, m, k, n, transposeA, transposeB)
  auto d = ints(info, 3, 5);
  const int64_t batchA = d[0], batchB = d[1], m = d[2], k = d[3], n = d[4];
  const bool tA = info[8].ToBoolean(), tB = info[9].ToBoolean();
  const int64_t batch = std::max(batchA, batchB);
  float* a = data(info[0], batchA * m * k, "a");
  float* b = data(info[1], batchB * k * n, "b");
  float* c = data(info[2], batch * m * n, "out");
  threadsFor(2.0 * batch * m * k * n);
  auto& entry = local().matmuls[key("mm", {batchA, batchB, m, k, n, tA, tB})];
  if (!entry) {
    memory::desc a_md({batchA, m, k}, dt::f32, tA ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    memory::desc b_md({batchB, k, n}, dt::f32, tB ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    memory::desc c_md({batch, m, n}, dt::f32, tag::abc);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, c_md), cpu());
    entry.reset(new MatMul{dnnl::matmul(pd), a_md, b_md, c_md});
  }
  memory A(entry->a, cpu(), a), B(entry->b, cpu(), b), C(entry->c, cpu(), c);
  entry->primitive.execute(stream(), {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, B}, {DNNL_ARG_DST, C}});
  stream().wait();
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// 2-D convolution, NHWC activations and TensorFlow's [kH, kW, inC, outC] filters ("hwio").
// Geometry: n, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW,
// padTop, padLeft, padBottom, padRight.

struct ConvGeometry {
  memory::dims src, weights, dst, strides, dilates, padL, padR;
  explicit ConvGeometry(const std::vector<int64_t>& g)
      : src{g[0], g[3], g[1], g[2]},
        weights{g[6], g[3], g[7], g[8]},
        dst{g[0], g[6], g[4], g[5]},
        strides{g[9], g[10]},
        dilates{g[11] - 1, g[12] - 1},
        padL{g[13], g[14]},
        padR{g[15], g[16]} {}
  size_t srcSize() const { return src[0] * src[1] * src[2] * src[3]; }
  size_t weightsSize() const { return weights[0] * weights[1] * weights[2] * weights[3]; }
  size_t dstSize() const { return dst[0] * dst[1] * dst[2] * dst[3]; }
  double flops() const { return 2.0 * dstSize() * weights[1] * weights[2] * weights[3]; }
};

dnnl::convolution_forward::primitive_desc forwardHint(const ConvGeometry& g) {
  memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
  memory::desc weights(g.weights, dt::f32, tag::any);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src,
                                    weights, dst, g.strides, g.dilates, g.padL, g.padR);
  return dnnl::convolution_forward::primitive_desc(d, cpu());
}

// The user's hwio weights, reordered into (or out of) the primitive's preferred layout when they differ.
struct Weights {
  memory::desc user;
  memory::desc preferred;
  std::unique_ptr<memory> scratch;
  Weights(const ConvGeometry& g, const memory::desc& wanted)
      : user(g.weights, dt::f32, tag::hwio), preferred(wanted) {
    if (preferred != user) scratch.reset(new memory(preferred, cpu()));
  }
  memory in(float* ptr) {
    memory u(user, cpu(), ptr);
    if (!scratch) return u;
    dnnl::reorder(u, *scratch).execute(stream(), u, *scratch);
    return *scratch;
  }
  memory out(float* ptr) { return scratch ? *scratch : memory(user, cpu(), ptr); }
  void finish(float* ptr) {
    if (!scratch) return;
    memory u(user, cpu(), ptr);
    dnnl::reorder(*scratch, u).execute(stream(), *scratch, u);
  }
};

struct ConvForward {
  dnnl::convolution_forward primitive;
  memory::desc src, dst;
  Weights weights;
};

struct ConvBackwardData {
  dnnl::convolution_backward_data primitive;
  memory::desc diffSrc, diffDst;
  Weights weights;
};

struct ConvBackwardWeights {
  dnnl::convolution_backward_weights primitive;
  memory::desc src, diffDst;
  Weights diffWeights;
};

ThreadState::~ThreadState() = default;

Napi::Value ConvForwardKernel(const Napi::CallbackInfo& info) {
  // (x, filter, out, ...geometry)
  auto geometry = ints(info, 3, 17);
  ConvGeometry g(geometry);
  float* x = data(info[0], g.srcSize(), "x");
  float* w = data(info[1], g.weightsSize(), "filter");
  float* y = data(info[2], g.dstSize(), "out");
  threadsFor(g.flops());
  auto& entry = local().convForwards[key("fwd", geometry)];
  if (!entry) {
    auto pd = forwardHint(g);
    entry.reset(new ConvForward{dnnl::convolution_forward(pd), pd.src_desc(), pd.dst_desc(), Weights(g, pd.weights_desc())});
  }
  memory X(entry->src, cpu(), x), Y(entry->dst, cpu(), y);
  memory W = entry->weights.in(w);
  entry->primitive.execute(stream(), {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, W}, {DNNL_ARG_DST, Y}});
  stream().wait();
  return info.Env().Undefined();
}

// The input gradient of a convolution whose input has one channel (a generator's last
// deconvolution to a grey image; R1's gradient at the data): each input pixel gathers, from the
// output positions it fed, the dot product of dy's channels with that tap's filter. oneDNN 2.6
// runs this shape through its im2col gemm at ~10 GFLOP/s (2 ms for the hyperplane generator's
// 14×14×32 → 28×28×1 at batch 80); this loop, vectorized over the channels, is several times faster.
void singleChannelBackwardData(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const int64_t n = g.src[0], inH = g.src[2], inW = g.src[3];
  const int64_t outC = g.dst[1], outH = g.dst[2], outW = g.dst[3];
  const int64_t kH = g.weights[2], kW = g.weights[3];
  const int64_t sH = g.strides[0], sW = g.strides[1], dH = g.dilates[0] + 1, dW = g.dilates[1] + 1;
  const int64_t padT = g.padL[0], padL = g.padL[1];
#pragma omp parallel for
  for (int64_t b = 0; b < n; b++) {
    float* image = dx + b * inH * inW;
    std::fill(image, image + inH * inW, 0.0f);
    for (int64_t oy = 0; oy < outH; oy++) {
      for (int64_t ox = 0; ox < outW; ox++) {
        const float* d = dy + ((b * outH + oy) * outW + ox) * outC;
        for (int64_t ky = 0; ky < kH; ky++) {
          const int64_t iy = oy * sH - padT + ky * dH;
          if (iy < 0 || iy >= inH) continue;
          for (int64_t kx = 0; kx < kW; kx++) {
            const int64_t ix = ox * sW - padL + kx * dW;
            if (ix < 0 || ix >= inW) continue;
            const float* tap = w + (ky * kW + kx) * outC;  // hwio with i = 1
            float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
            for (int64_t c = 0; c < outC; c++) sum += d[c] * tap[c];
            image[iy * inW + ix] += sum;
          }
        }
      }
    }
  }
}

Napi::Value ConvBackwardDataKernel(const Napi::CallbackInfo& info) {
  // (dy, filter, dx, ...geometry)
  auto geometry = ints(info, 3, 17);
  ConvGeometry g(geometry);
  float* dy = data(info[0], g.dstSize(), "dy");
  float* w = data(info[1], g.weightsSize(), "filter");
  float* dx = data(info[2], g.srcSize(), "dx");
  threadsFor(g.flops());
  if (g.src[1] == 1) {
    singleChannelBackwardData(g, dy, w, dx);
    return info.Env().Undefined();
  }
  auto& entry = local().convBackwardDatas[key("bwd_data", geometry)];
  if (!entry) {
    memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
    memory::desc weights(g.weights, dt::f32, tag::any);
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, src, weights, dst, g.strides,
                                            g.dilates, g.padL, g.padR);
    dnnl::convolution_backward_data::primitive_desc pd(d, cpu(), forwardHint(g));
    entry.reset(new ConvBackwardData{dnnl::convolution_backward_data(pd), pd.diff_src_desc(), pd.diff_dst_desc(),
                                     Weights(g, pd.weights_desc())});
  }
  memory DY(entry->diffDst, cpu(), dy), DX(entry->diffSrc, cpu(), dx);
  memory W = entry->weights.in(w);
  entry->primitive.execute(stream(), {{DNNL_ARG_DIFF_DST, DY}, {DNNL_ARG_WEIGHTS, W}, {DNNL_ARG_DIFF_SRC, DX}});
  stream().wait();
  return info.Env().Undefined();
}

Napi::Value ConvBackwardWeightsKernel(const Napi::CallbackInfo& info) {
  // (x, dy, dw, ...geometry)
  auto geometry = ints(info, 3, 17);
  ConvGeometry g(geometry);
  float* x = data(info[0], g.srcSize(), "x");
  float* dy = data(info[1], g.dstSize(), "dy");
  float* dw = data(info[2], g.weightsSize(), "dw");
  threadsFor(g.flops());
  auto& entry = local().convBackwardWeightss[key("bwd_weights", geometry)];
  if (!entry) {
    memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
    memory::desc weights(g.weights, dt::f32, tag::any);
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src, weights, dst, g.strides,
                                               g.dilates, g.padL, g.padR);
    dnnl::convolution_backward_weights::primitive_desc pd(d, cpu(), forwardHint(g));
    entry.reset(new ConvBackwardWeights{dnnl::convolution_backward_weights(pd), pd.src_desc(), pd.diff_dst_desc(),
                                        Weights(g, pd.diff_weights_desc())});
  }
  memory X(entry->src, cpu(), x), DY(entry->diffDst, cpu(), dy);
  memory DW = entry->diffWeights.out(dw);
  entry->primitive.execute(stream(), {{DNNL_ARG_SRC, X}, {DNNL_ARG_DIFF_DST, DY}, {DNNL_ARG_DIFF_WEIGHTS, DW}});
  entry->diffWeights.finish(dw);
  stream().wait();
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// out[c] = scale · Σ_r x[r, c]: a reduction over leading axes (bias gradients and batch-norm
// statistics reduce an NHWC tensor over N, H, W). Blocks of rows are summed in float, which
// vectorizes, and the blocks in double, which keeps long sums accurate.

Napi::Value SumLeadingKernel(const Napi::CallbackInfo& info) {
  // (x, out, rows, cols, scale)
  const int64_t rows = info[2].As<Napi::Number>().Int64Value(), cols = info[3].As<Napi::Number>().Int64Value();
  const double scale = info[4].As<Napi::Number>().DoubleValue();
  const float* x = data(info[0], rows * cols, "x");
  float* out = data(info[1], cols, "out");
  constexpr int64_t kBlock = 64;
  std::vector<double> total(cols, 0.0);
  std::vector<float> partial(cols);
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    std::fill(partial.begin(), partial.end(), 0.0f);
    const int64_t r1 = std::min(rows, r0 + kBlock);
    for (int64_t r = r0; r < r1; r++) {
      const float* row = x + r * cols;
      for (int64_t c = 0; c < cols; c++) partial[c] += row[c];
    }
    for (int64_t c = 0; c < cols; c++) total[c] += partial[c];
  }
  for (int64_t c = 0; c < cols; c++) out[c] = static_cast<float>(total[c] * scale);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// out[r, c] = big[r, c] ⊕ small[c], or small[c] ⊕ big[r, c] (smallFirst): add, subtract or
// multiply with an operand that repeats along the other's leading axes (a bias, batch norm's
// per-channel factors). The wasm backend's broadcasting loop runs these 2–4× slower than its
// same-shape kernels.

enum RowOp { kAdd = 0, kSub = 1, kMul = 2 };

template <typename F>
void eachRow(const float* big, const float* small, float* out, int64_t rows, int64_t cols, F f) {
  for (int64_t r = 0; r < rows; r++) {
    const float* x = big + r * cols;
    float* y = out + r * cols;
    for (int64_t c = 0; c < cols; c++) y[c] = f(x[c], small[c]);
  }
}

Napi::Value RowBroadcastKernel(const Napi::CallbackInfo& info) {
  // (big, small, out, rows, cols, op, smallFirst)
  const int64_t rows = info[3].As<Napi::Number>().Int64Value(), cols = info[4].As<Napi::Number>().Int64Value();
  const int op = info[5].As<Napi::Number>().Int32Value();
  const bool smallFirst = info[6].ToBoolean();
  const float* big = data(info[0], rows * cols, "big");
  const float* small = data(info[1], cols, "small");
  float* out = data(info[2], rows * cols, "out");
  switch (op) {
    case kAdd: eachRow(big, small, out, rows, cols, [](float x, float s) { return x + s; }); break;
    case kSub:
      if (smallFirst) eachRow(big, small, out, rows, cols, [](float x, float s) { return s - x; });
      else eachRow(big, small, out, rows, cols, [](float x, float s) { return x - s; });
      break;
    case kMul: eachRow(big, small, out, rows, cols, [](float x, float s) { return x * s; }); break;
    default: throw Napi::RangeError::New(info.Env(), "rowBroadcast: op must be 0 (add), 1 (subtract) or 2 (multiply)");
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// tanh, elementwise: the generator's output layer. The wasm backend calls libm's tanh per element
// (~70 ns each here: 2.3 ms for the generator's 31,360 outputs at a batch of 8); this is Eigen's
// rational approximation (generic_fast_tanh_float: odd degree 13 over even degree 6, on x clamped
// to ±7.905, where tanh rounds to ±1 in float), which the compiler vectorizes. Its error is a few
// float ulps; NaN stays NaN (the comparisons are false).

Napi::Value TanhKernel(const Napi::CallbackInfo& info) {
  // (x, out)
  const size_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const float* x = data(info[0], n, "x");
  float* out = data(info[1], n, "out");
  constexpr float kClamp = 7.90531110763549805f;
  for (size_t i = 0; i < n; i++) {
    float v = x[i] > kClamp ? kClamp : x[i];
    v = v < -kClamp ? -kClamp : v;
    const float v2 = v * v;
    float p = -2.76076847742355e-16f;
    p = p * v2 + 2.00018790482477e-13f;
    p = p * v2 - 8.60467152213735e-11f;
    p = p * v2 + 5.12229709037114e-08f;
    p = p * v2 + 1.48572235717979e-05f;
    p = p * v2 + 6.37261928875436e-04f;
    p = p * v2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * v2 + 1.18534705686654e-04f;
    q = q * v2 + 2.26843463243900e-03f;
    q = q * v2 + 4.89352518554385e-03f;
    // Below 4e-4, tanh(x) is x to float precision.
    out[i] = std::fabs(x[i]) < 0.0004f ? x[i] : v * p / q;
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// One Adam step for one parameter, in PyTorch's form (src/train/adam.ts has the formula), written
// to new arrays: m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², p' = p − step·m' / (√v'·c + ε).
// One pass instead of the ~10 element-wise kernels (and their temporaries) it replaces.

Napi::Value AdamKernel(const Napi::CallbackInfo& info) {
  // (param, grad, m, v, paramOut, mOut, vOut, stepSize, beta1, beta2, epsilon, inverseSqrtBiasCorrection2)
  const size_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const float* p = data(info[0], n, "param");
  const float* g = data(info[1], n, "grad");
  const float* m = data(info[2], n, "m");
  const float* v = data(info[3], n, "v");
  float* pOut = data(info[4], n, "paramOut");
  float* mOut = data(info[5], n, "mOut");
  float* vOut = data(info[6], n, "vOut");
  const float stepSize = info[7].As<Napi::Number>().FloatValue();
  const float beta1 = info[8].As<Napi::Number>().FloatValue();
  const float beta2 = info[9].As<Napi::Number>().FloatValue();
  const float epsilon = info[10].As<Napi::Number>().FloatValue();
  const float c = info[11].As<Napi::Number>().FloatValue();
  for (size_t i = 0; i < n; i++) {
    const float mi = beta1 * m[i] + (1.0f - beta1) * g[i];
    const float vi = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i] - stepSize * mi / (std::sqrt(vi) * c + epsilon);
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  maxThreads = std::max(1, info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto out = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  out.Set("library", "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                         std::to_string(v->patch));
  out.Set("isa", static_cast<double>(dnnl_get_effective_cpu_isa()));
  out.Set("threads", maxThreads);
  return out;
}

// oneDNN 2.6.3's JIT kernels (its sgemm, behind the matmul-like convolutions) keep data on the
// stack below the stack pointer, beyond the 128 bytes a signal handler's frame spares: a signal
// delivered mid-kernel (V8's sampling profiler's SIGPROF under --cpu-prof, libuv's SIGINT or
// SIGCHLD handlers) overwrites it and corrupts the heap or the result. Measured: a C++ loop of the
// hyperplane critic's 7×7 convolution under a 50 µs SIGPROF timer aborted within 500 iterations,
// and `node --cpu-prof discern train` aborted at its first critic step. Signals are therefore
// held back while a kernel runs and delivered as soon as it returns. OpenMP's worker threads
// start inside a kernel, so they inherit the blocked mask and never take a signal themselves.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous_);
  }
  ~SignalsHeld() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

 private:
  sigset_t previous_;
};

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  SignalsHeld held;
  try {
    return F(info);
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("matMul", Napi::Function::New(env, guarded<MatMulKernel>));
  exports.Set("conv2dForward", Napi::Function::New(env, guarded<ConvForwardKernel>));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, guarded<ConvBackwardDataKernel>));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, guarded<ConvBackwardWeightsKernel>));
  exports.Set("sumLeading", Napi::Function::New(env, guarded<SumLeadingKernel>));
  exports.Set("rowBroadcast", Napi::Function::New(env, guarded<RowBroadcastKernel>));
  exports.Set("tanh", Napi::Function::New(env, guarded<TanhKernel>));
  exports.Set("adam", Napi::Function::New(env, guarded<AdamKernel>));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(discern_native, Init)
