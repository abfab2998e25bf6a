"""The bundled MiniLM encoders on onnxruntime: sentence embeddings and the fine-tuned cross-encoder."""
