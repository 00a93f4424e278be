{
  "targets": [
    {
      "target_name": "discern_native",
      "sources": ["src/discern_native.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      # -fno-trapping-math: the FPU's exception flags are never read here, and without it GCC
      # will not vectorize a loop with a select (tanh's clamp).
      "cflags_cc": ["-std=c++17", "-O3", "-fno-trapping-math", "-fopenmp", "-fexceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
