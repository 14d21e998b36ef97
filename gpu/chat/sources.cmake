# Chat templates: the Jinja-subset interpreter, family formats, the reasoning parser.
nd_gpu_sources(
)
