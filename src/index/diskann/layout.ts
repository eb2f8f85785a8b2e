import type { VamanaGraph } from '../vamana/graph.js';

/** DiskANN's unit of I/O: one 4 KB sector (an SSD's page; one positional read per sector). */
export const SECTOR = 4096;

/**
 * DiskANN's disk layout (Subramanya et al. 2019, §3.3 "Index layout"): node v's record is its
 * full-precision vector and its adjacency list together,
 *
 *   [ vector: dim x float32 ][ degree: uint32 ][ neighbours: R x int32 (unused slots 0) ]
 *
 * so one read of the node's sector yields both what re-ranking needs (the vector) and what the
 * walk needs next (the edges). Records never straddle a sector: floor(4096 / nodeBytes) nodes
 * per sector, or, when a record is larger than a sector, ceil(nodeBytes / 4096) whole sectors
 * per node. Nodes are laid out in label order from sector 0 (DiskANN keeps its metadata in
 * sector 0; here the metadata is in the envelope's header).
 */
export class SectorLayout {
  /** Bytes of one node record: 4 d + 4 + 4 R. */
  readonly nodeBytes: number;
  /** Nodes per sector (0 when a record spans several sectors). */
  readonly nodesPerSector: number;
  /** Sectors read per node (1 unless a record is larger than a sector). */
  readonly sectorsPerNode: number;
  readonly sectorCount: number;
  /** Bytes of one read: sectorsPerNode x 4096. */
  readonly readBytes: number;

  constructor(readonly n: number, readonly dim: number, readonly R: number) {
    this.nodeBytes = 4 * dim + 4 + 4 * R;
    this.nodesPerSector = Math.floor(SECTOR / this.nodeBytes);
    this.sectorsPerNode = this.nodesPerSector > 0 ? 1 : Math.ceil(this.nodeBytes / SECTOR);
    this.sectorCount = this.nodesPerSector > 0 ? Math.ceil(n / this.nodesPerSector) : n * this.sectorsPerNode;
    this.readBytes = this.sectorsPerNode * SECTOR;
  }

  get bytes(): number { return this.sectorCount * SECTOR; }

  /** First sector of node v. */
  sectorOf(v: number): number {
    return this.nodesPerSector > 0 ? Math.floor(v / this.nodesPerSector) : v * this.sectorsPerNode;
  }

  /** Byte offset of node v's record inside the read of its sector(s). */
  offsetIn(v: number): number {
    return this.nodesPerSector > 0 ? (v % this.nodesPerSector) * this.nodeBytes : 0;
  }
}

/**
 * The sector image of a built Vamana graph (cosine: the unit vectors the graph was built on),
 * as one buffer laid out exactly as the file (see SectorLayout).
 */
export function writeSectors(g: VamanaGraph, layout: SectorLayout): Uint8Array {
  const out = new Uint8Array(layout.bytes);
  const f32 = new Float32Array(out.buffer), i32 = new Int32Array(out.buffer);
  const d = g.dim, S = g.stride;
  for (let v = 0; v < g.n; v++) {
    const base = (layout.sectorOf(v) * SECTOR + layout.offsetIn(v)) >> 2;
    f32.set(g.vectors.subarray(v * d, (v + 1) * d), base);
    const deg = Math.min(g.degree[v], layout.R);
    i32[base + d] = deg;
    i32.set(g.adj.subarray(v * S, v * S + deg), base + d + 1);
  }
  return out;
}
