// The native floor for kNN-Graph's inference on this machine: hnswlib (C++, the library behind
// hnswlib-node) called directly, with no JavaScript and no N-API crossing per query, on the
// same Binalpha folds and queries as bench/knn-graph-index.ts, which writes them to a file,
// compiles this program (g++ -O3 -march=native) and reads its lines back.
//
// Two spaces, both built with the authors' parameters (M, efConstruction = n):
//   l2f32  hnswlib's own L2Space over float32 rows (AVX-512 / AVX kernels when compiled for them)
//   bits   the rows packed to 64-bit words, distance = popcount(a XOR b), which is the squared
//          Euclidean distance of 0/1 vectors (knnkit's storage 'bits')
//
// Input (little endian): i32 folds, d, M, reps, nEf, efs[nEf]; then per fold i32 n, nq, efC,
// f32 X[n d], f32 Q[nq d], f32 exact[nq] (squared distance to the exact nearest training row).
// Output, one line per space, ef and fold: "space ef fold firstMs warmMs hits", where warmMs is
// the median of `reps` repeated searches of the whole fold and hits counts queries whose answer
// is at the exact nearest distance (ties count as hits, as in the TypeScript bench).
#include "hnswlib.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

// Hamming distance over `words` 64-bit words, returned as float so that one HierarchicalNSW<float>
// instantiation serves both spaces.
struct BitsParam { size_t words; };

float bitsDistance(const void* a, const void* b, const void* param) {
  const uint64_t* x = static_cast<const uint64_t*>(a);
  const uint64_t* y = static_cast<const uint64_t*>(b);
  const size_t w = static_cast<const BitsParam*>(param)->words;
  uint64_t s = 0;
  for (size_t i = 0; i < w; i++) s += static_cast<uint64_t>(__builtin_popcountll(x[i] ^ y[i]));
  return static_cast<float>(s);
}

class BitsSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit BitsSpace(size_t dim) : param_{(dim + 63) / 64} {}
  size_t get_data_size() override { return param_.words * sizeof(uint64_t); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return bitsDistance; }
  void* get_dist_func_param() override { return &param_; }
  size_t words() const { return param_.words; }

 private:
  BitsParam param_;
};

std::vector<uint64_t> packRows(const std::vector<float>& rows, size_t count, size_t dim, size_t words) {
  std::vector<uint64_t> out(count * words, 0);
  for (size_t r = 0; r < count; r++)
    for (size_t j = 0; j < dim; j++)
      if (rows[r * dim + j] != 0.0f) out[r * words + (j >> 6)] |= uint64_t{1} << (j & 63);
  return out;
}

template <typename T>
bool readInto(FILE* f, T* dst, size_t count) { return fread(dst, sizeof(T), count, f) == count; }

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Times one whole-fold search (every query, k = 1): first call, then the median of `reps`.
template <typename Search>
void timeFold(const char* space, int ef, int fold, int reps, int nq, Search search, const float* exact) {
  auto t0 = std::chrono::steady_clock::now();
  int hits = 0;
  for (int q = 0; q < nq; q++) if (search(q) <= exact[q] + 1e-3f) hits++;
  const double first = msSince(t0);
  std::vector<double> warm;
  volatile float sink = 0;
  for (int r = 0; r < reps; r++) {
    t0 = std::chrono::steady_clock::now();
    for (int q = 0; q < nq; q++) sink = sink + search(q);
    warm.push_back(msSince(t0));
  }
  std::sort(warm.begin(), warm.end());
  printf("%s %d %d %.5f %.5f %d\n", space, ef, fold, first, warm[warm.size() / 2], hits);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) { fprintf(stderr, "usage: hnsw-floor FOLDS_FILE\n"); return 2; }
  FILE* f = fopen(argv[1], "rb");
  if (!f) { fprintf(stderr, "hnsw-floor: cannot open %s\n", argv[1]); return 2; }
  int32_t head[5];
  if (!readInto(f, head, 5)) { fprintf(stderr, "hnsw-floor: truncated header\n"); return 2; }
  const int folds = head[0], d = head[1], M = head[2], reps = head[3], nEf = head[4];
  std::vector<int32_t> efs(nEf);
  if (!readInto(f, efs.data(), efs.size())) { fprintf(stderr, "hnsw-floor: truncated ef list\n"); return 2; }

  for (int fold = 0; fold < folds; fold++) {
    int32_t shape[3];
    if (!readInto(f, shape, 3)) { fprintf(stderr, "hnsw-floor: truncated fold %d\n", fold); return 2; }
    const int n = shape[0], nq = shape[1], efC = shape[2];
    std::vector<float> X(static_cast<size_t>(n) * d), Q(static_cast<size_t>(nq) * d), exact(nq);
    if (!readInto(f, X.data(), X.size()) || !readInto(f, Q.data(), Q.size()) || !readInto(f, exact.data(), exact.size())) {
      fprintf(stderr, "hnsw-floor: truncated data in fold %d\n", fold);
      return 2;
    }

    hnswlib::L2Space l2(d);
    hnswlib::HierarchicalNSW<float> l2Index(&l2, n, M, efC, 100);
    for (int i = 0; i < n; i++) l2Index.addPoint(&X[static_cast<size_t>(i) * d], i);

    BitsSpace bits(d);
    const size_t words = bits.words();
    const std::vector<uint64_t> Xb = packRows(X, n, d, words), Qb = packRows(Q, nq, d, words);
    hnswlib::HierarchicalNSW<float> bitsIndex(&bits, n, M, efC, 100);
    for (int i = 0; i < n; i++) bitsIndex.addPoint(&Xb[static_cast<size_t>(i) * words], i);

    for (int ef : efs) {
      l2Index.setEf(ef);
      bitsIndex.setEf(ef);
      timeFold("l2f32", ef, fold, reps, nq, [&](int q) { return l2Index.searchKnn(&Q[static_cast<size_t>(q) * d], 1).top().first; }, exact.data());
      timeFold("bits", ef, fold, reps, nq, [&](int q) { return bitsIndex.searchKnn(&Qb[static_cast<size_t>(q) * words], 1).top().first; }, exact.data());
    }
  }
  fclose(f);
  return 0;
}
