/** online-rnn/node: the file-based half of the API (Node only). This file only re-exports. */
export * from './index.js';
export { saveModel, loadModel } from './io/model-files.js';
export { saveCheckpoint, writeCheckpoint, loadCheckpoint, resumeRun, checkpointDirectory, type Checkpoint } from './io/checkpoint.js';
export { loadAnyModel, loadAnyModelAsync, saveAnyModel, detectFormat, loadTfjs, MODEL_FORMATS, type ModelFormat } from './io/load.js';
export { importOnnx } from './io/onnx.js';
export { exportOnnx, ONNX_FORMS, type OnnxExportOptions, type OnnxForm } from './io/onnx-export.js';
export { importKeras, kerasReady } from './io/keras.js';
export { StreamService, type ServiceConfig, type DurabilityOptions } from './serve/service.js';
export { httpApp, type HttpOptions } from './serve/http.js';
export { serveJsonLines } from './serve/jsonl.js';
