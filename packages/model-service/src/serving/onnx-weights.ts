/**
 * Reads the weight table and bias of the linear model out of `model.onnx`, so explanations use the
 * very numbers the served graph multiplies (see `training/onnx-export.ts`: initializers `table`
 * [rows, K] and `bias` [K], float32, already divided by the calibration temperature).
 *
 * A minimal protobuf reader for the three messages involved (ModelProto.graph = 7,
 * GraphProto.initializer = 5, TensorProto dims = 1, data_type = 2, float_data = 4, name = 8,
 * raw_data = 9); the training side's protobuf library is a dev dependency and would add ~1 MB of
 * code to the service for this.
 */

/** The linear model inside a `model.onnx`: logits = Σ weight·table[id] + bias. */
export interface LinearWeights {
  /** [rows, classes] row-major, float32 as in the graph. */
  table: Float32Array;
  /** [classes]. */
  bias: Float32Array;
  classes: number;
}

const FLOAT = 1;

class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }

  /** Calls `visit(field, wireType, reader-for-LEN-or-undefined)` for each field of the message. */
  fields(visit: (field: number, wire: number, value: { start: number; end: number } | number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (wire === 0) visit(field, wire, this.varint());
      else if (wire === 2) {
        const length = this.varint();
        const start = this.pos;
        this.pos += length;
        if (this.pos > this.end) throw new Error('truncated field');
        visit(field, wire, { start, end: this.pos });
      } else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

interface Initializer {
  dims: number[];
  dataType: number;
  data: Float32Array;
}

function readTensor(bytes: Uint8Array, start: number, end: number): { name: string; tensor: Initializer } {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  let floats: Float32Array | undefined;
  new Reader(bytes, start, end).fields((field, wire, value) => {
    if (field === 1 && wire === 0) dims.push(value as number);
    else if (field === 1 && wire === 2) {
      const span = value as { start: number; end: number };
      const packed = new Reader(bytes, span.start, span.end);
      while (packed.pos < packed.end) dims.push(packed.varint());
    } else if (field === 2 && wire === 0) dataType = value as number;
    else if (field === 8 && wire === 2) {
      const span = value as { start: number; end: number };
      name = new TextDecoder().decode(bytes.subarray(span.start, span.end));
    } else if (field === 9 && wire === 2) {
      const span = value as { start: number; end: number };
      raw = bytes.subarray(span.start, span.end);
    } else if (field === 4 && wire === 2) {
      const span = value as { start: number; end: number };
      floats = littleEndianFloats(bytes.subarray(span.start, span.end));
    }
  });
  const data = raw ? littleEndianFloats(raw) : (floats ?? new Float32Array(0));
  return { name, tensor: { dims, dataType, data } };
}

function littleEndianFloats(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new Error('float data is not a multiple of 4 bytes');
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * The `table` and `bias` initializers of an embedding-bag `model.onnx` (the bytes of the file).
 * @throws when the file is not such a graph (missing or non-float initializers, shapes that disagree).
 */
export function readLinearWeights(onnxBytes: Uint8Array): LinearWeights {
  const found = new Map<string, Initializer>();
  new Reader(onnxBytes).fields((field, wire, value) => {
    if (field !== 7 || wire !== 2) return;
    const graph = value as { start: number; end: number };
    new Reader(onnxBytes, graph.start, graph.end).fields((gField, gWire, gValue) => {
      if (gField !== 5 || gWire !== 2) return;
      const span = gValue as { start: number; end: number };
      const { name, tensor } = readTensor(onnxBytes, span.start, span.end);
      if (name === 'table' || name === 'bias') found.set(name, tensor);
    });
  });
  const table = found.get('table');
  const bias = found.get('bias');
  if (!table || !bias) throw new Error('model.onnx has no "table" and "bias" initializers (not a linear embedding-bag graph)');
  if (table.dataType !== FLOAT || bias.dataType !== FLOAT) throw new Error('model.onnx "table" and "bias" must be float32');
  const [rows, classes] = table.dims;
  if (table.dims.length !== 2 || rows === undefined || classes === undefined || table.data.length !== rows * classes) {
    throw new Error(`model.onnx "table" has dims [${table.dims.join(', ')}] and ${table.data.length} values`);
  }
  if (bias.data.length !== classes) throw new Error(`model.onnx "bias" has ${bias.data.length} values for ${classes} classes`);
  return { table: table.data, bias: bias.data, classes };
}
