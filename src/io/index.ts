// knnkit/io: data readers and writers (CSV, LIBSVM/SVMlight, fvecs/ivecs/bvecs, .npy, label
// files), plus the atomic-write and CRC-32 helpers used by every saved format.
export type { Dataset, ReadOptions } from './types.js';
export { readDataset, formatOf, DATASET_EXTENSIONS } from './dataset.js';
export type { DatasetFormat } from './dataset.js';
export { CsvParser, readCsv, readCsvHeader, readCsvStream, readCsvText, formatCsv, writeCsv } from './csv.js';
export type { CsvOptions, CsvWriteOptions } from './csv.js';
export { LibsvmParser, readLibsvm, readLibsvmText, formatLibsvm, writeLibsvm } from './libsvm.js';
export type { LibsvmOptions } from './libsvm.js';
export { readFvecs, readIvecs, readBvecs, writeFvecs, writeIvecs, writeBvecs } from './vecs.js';
export type { IntRows, ByteRows, VecsKind } from './vecs.js';
export { readNpy, writeNpy, encodeNpy, parseNpyHeader } from './npy.js';
export type { NpyHeader, NpyReadOptions } from './npy.js';
export { readLabels, writeLabels } from './labels-file.js';
export { parseDecimal, parseFloat32 } from './parse-number.js';
export { atomicWriteFile, atomicWriteFileSync } from './atomic.js';
export { crc32 } from './crc32.js';
