// Raw hnswlib for the benchmarks' baselines. hnswlib 0.6.2 defines a few
// non-inline globals in its headers, and libsluice_vector already contains one
// copy; this renames the benchmark's copies so both link into one program.
// Include it from exactly one file of a benchmark.
#pragma once

#include <cpuid.h>
#include <x86intrin.h>
#define AVX512Capable bench_AVX512Capable
#define AVXCapable bench_AVXCapable
#define cpuid bench_cpuid
#define xgetbv bench_xgetbv
#define InnerProductDistanceSIMD16Ext bench_InnerProductDistanceSIMD16Ext
#define InnerProductDistanceSIMD4Ext bench_InnerProductDistanceSIMD4Ext
#define InnerProductSIMD16Ext bench_InnerProductSIMD16Ext
#define InnerProductSIMD4Ext bench_InnerProductSIMD4Ext
#define L2SqrSIMD16Ext bench_L2SqrSIMD16Ext
#define L2SqrSIMD4Ext bench_L2SqrSIMD4Ext
#include <hnswlib.h>
