"""The parts of PyTorch's API that ember deliberately lacks, each with the reason a user is told.

Reaching for one of these names (`ember.quantize_per_tensor`, `tensor.to_sparse`) raises an
AttributeError that says it is not supported and why, at the user's line, instead of the bare
"has no attribute". It stays an AttributeError so that `hasattr` probes keep working. The coverage
test (tests/test_api_coverage.py) counts every other public name of PyTorch as one ember must have.
"""

QUANTIZED = "ember has no quantized tensors"
SPARSE = "ember has no sparse layouts; use dense tensors"
NESTED = "ember has no nested (jagged) tensors; pad the sequences (nn.utils.rnn.pad_sequence)"
INTERNALS = "it is part of TorchScript, the dispatcher or PyTorch's C++ internals, not of the tensor API"
KERNELS = "it is an entry point of one of PyTorch's kernel libraries (cuDNN, MIOpen, oneDNN, FBGEMM)"
PACKAGING = "it is a module or flag of PyTorch's own packaging, not API"
SYMBOLIC = "symbolic shapes and control-flow operators belong to torch.compile's tracing; ember runs eagerly"
SMALL_DTYPES = "ember has no sub-byte or 8-bit floating point dtypes"
COMPLEX32 = "NumPy, which holds ember's tensors, has no complex type of two 16-bit halves (complex32, chalf)"
REMOVED = "PyTorch removed it (calling it raises there too); use its torch.linalg replacement"
DEVICES = "ember runs on CPUs (NumPy) and NVIDIA GPUs (CuPy) only"

_TORCH_GROUPS = {
    QUANTIZED: (
        "QInt32Storage QInt8Storage QUInt2x4Storage QUInt4x2Storage QUInt8Storage choose_qparams_optimized "
        "dequantize empty_quantized fake_quantize_per_channel_affine fake_quantize_per_tensor_affine "
        "fused_moving_avg_obs_fake_quant int_repr per_channel_affine per_channel_affine_float_qparams "
        "per_channel_symmetric per_tensor_affine per_tensor_symmetric q_per_channel_axis q_per_channel_scales "
        "q_per_channel_zero_points q_scale q_zero_point qint32 qint8 qscheme quantization quantize_per_channel "
        "quantize_per_tensor quantize_per_tensor_dynamic quantized_batch_norm quantized_gru quantized_gru_cell "
        "quantized_lstm quantized_lstm_cell quantized_max_pool1d quantized_max_pool2d quantized_max_pool3d "
        "quantized_rnn_relu_cell quantized_rnn_tanh_cell quint2x4 quint4x2 quint8 ao fbgemm_linear_fp16_weight "
        "fbgemm_linear_fp16_weight_fp32_activation fbgemm_linear_int8_weight "
        "fbgemm_linear_int8_weight_fp32_activation fbgemm_linear_quantize_weight fbgemm_pack_gemm_matrix_fp16 "
        "fbgemm_pack_quantized_matrix"),
    SPARSE: (
        "ccol_indices_copy col_indices_copy crow_indices_copy row_indices_copy indices_copy values_copy dsmm hsmm "
        "hspmm saddmm smm sspaddmm sparse sparse_bsc sparse_bsc_tensor sparse_bsr sparse_bsr_tensor "
        "sparse_compressed_tensor sparse_coo sparse_coo_tensor sparse_csc sparse_csc_tensor sparse_csr "
        "sparse_csr_tensor resize_as_sparse_ native_norm"),
    NESTED: "nested jagged",
    INTERNALS: (
        "AliasDb AnyType Argument ArgumentSpec AwaitType Block BoolType BufferDict CallStack Capsule ClassType "
        "Code CompilationUnit CompleteArgumentSpec ComplexType ConcreteModuleType ConcreteModuleTypeBuilder "
        "DeepCopyMemoTable DeserializationStorageContext DeviceObjType DictType EnumType ErrorReport "
        "ExecutionPlan FileCheck FloatType FunctionSchema FutureType Gradient Graph GraphExecutorState "
        "IODescriptor InferredType IntType InterfaceType JITException ListType LiteScriptModule LockingLogger "
        "LoggerBase ModuleDict Node NoneType NoopLogger NumberType OperatorInfo OptionalType ParameterDict "
        "PyObjectType PyTorchFileReader PyTorchFileWriter RRefType ScriptClass ScriptClassFunction ScriptDict "
        "ScriptDictIterator ScriptDictKeyIterator ScriptFunction ScriptList ScriptListIterator ScriptMethod "
        "ScriptModule ScriptModuleSerializer ScriptObject ScriptObjectProperty SerializationStorageContext "
        "StaticModule StreamObjType StringType SymBoolType SymIntType TensorType TracingState TupleType Type "
        "UnionType Use Value fork wait import_ir_module import_ir_module_from_buffer "
        "merge_type_from_type_comment parse_ir parse_schema parse_type_comment unify_type_list classes Future "
        "futures Tag DispatchKey DispatchKeySet ExcludeDispatchKeyGuard DisableTorchFunction "
        "DisableTorchFunctionSubclass AggregationType AVG SUM BenchmarkConfig BenchmarkExecutionStats "
        "ThroughputBenchmark library overrides PRIVATE_OPS package cpp monitor "
        "batch_norm_backward_elemt batch_norm_backward_reduce batch_norm_elemt batch_norm_gather_stats "
        "batch_norm_gather_stats_with_counts batch_norm_stats batch_norm_update_stats"),
    KERNELS: (
        "cudnn_affine_grid_generator cudnn_batch_norm cudnn_convolution cudnn_convolution_add_relu "
        "cudnn_convolution_relu cudnn_convolution_transpose cudnn_grid_sampler cudnn_is_acceptable "
        "miopen_batch_norm miopen_convolution miopen_convolution_add_relu miopen_convolution_relu "
        "miopen_convolution_transpose miopen_ctc_loss miopen_depthwise_convolution miopen_rnn "
        "mkldnn_adaptive_avg_pool2d mkldnn_convolution mkldnn_linear_backward_weights mkldnn_max_pool2d "
        "mkldnn_max_pool3d mkldnn_rnn_layer"),
    PACKAGING: (
        "builtins ctypes functools glob importlib inspect math os platform sys textwrap threading warnings "
        "torch TYPE_CHECKING USE_GLOBAL_DEPS USE_RTLD_GLOBAL_WITH_LIBTORCH classproperty compiled_with_cxx11_abi "
        "get_file_path prepare_multiprocessing_environment profiler_allow_cudagraph_cupti_lazy_reinit_cuda12 "
        "thread_safe_generator init_num_threads"),
    SYMBOLIC: (
        "SymBool SymFloat SymInt sym_constrain_range sym_constrain_range_for_size sym_float sym_fresh_size sym_int "
        "sym_ite sym_max sym_min sym_not sym_sqrt sym_sum fx export cond while_loop"),
    SMALL_DTYPES: (
        "bit bits16 bits1x8 bits2x4 bits4x2 bits8 int1 int2 int3 int4 int5 int6 int7 uint1 uint2 uint3 uint4 uint5 "
        "uint6 uint7 float4_e2m1fn_x2 float8_e4m3fn float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz float8_e8m0fnu"),
    REMOVED: "eig symeig matrix_rank solve lstsq",
    COMPLEX32: "chalf complex32",
    DEVICES: "mps mtia xpu is_vulkan_available get_autocast_ipu_dtype get_autocast_xla_dtype is_autocast_ipu_enabled "
             "is_autocast_xla_enabled set_autocast_ipu_dtype set_autocast_ipu_enabled set_autocast_xla_dtype "
             "set_autocast_xla_enabled",
}

_TENSOR_GROUPS = {
    QUANTIZED: "dequantize int_repr q_per_channel_axis q_per_channel_scales q_per_channel_zero_points q_scale "
               "q_zero_point qscheme",
    SPARSE: "ccol_indices col_indices crow_indices row_indices coalesce is_coalesced dense_dim sparse_dim sparse_mask "
            "sparse_resize_ sparse_resize_and_clear_ to_sparse to_sparse_bsc to_sparse_bsr to_sparse_coo "
            "to_sparse_csc to_sparse_csr indices values smm sspaddmm resize_as_sparse_ is_sparse_csr",
    NESTED: "to_padded_tensor",
    DEVICES: "ipu is_ipu xpu is_xla is_vulkan is_mkldnn to_mkldnn mtia is_mtia is_maia",
    REMOVED: "eig symeig lstsq solve reinforce",
    COMPLEX32: "chalf",
}

_NN_GROUPS = {
    QUANTIZED: "qat quantizable quantized intrinsic",
    PACKAGING: "factory_kwargs",
    INTERNALS: "Container",
}

_FUNCTIONAL_GROUPS = {
    PACKAGING: "BroadcastingList1 BroadcastingList2 BroadcastingList3 Callable DType Optional TYPE_CHECKING "
               "dataclasses importlib math np torch warnings boolean_dispatch assert_int_or_pair "
               "reproducibility_notes sparse_support_notes tf32_notes GRID_SAMPLE_INTERPOLATION_MODES "
               "GRID_SAMPLE_PADDING_MODES",
    INTERNALS: "handle_torch_function has_torch_function has_torch_function_unary has_torch_function_variadic",
    SMALL_DTYPES: "scaled_mm scaled_grouped_mm ScalingType SwizzleType",
}

_LINALG_GROUPS = {PACKAGING: "common_notes"}
_SPECIAL_GROUPS = {PACKAGING: "common_args multi_dim_common torch"}
_FFT_GROUPS = {PACKAGING: "common_args factory_common_args torch"}


def _table(groups: dict[str, str]) -> dict[str, str]:
    return {name: reason for reason, names in groups.items() for name in names.split()}


TORCH = _table(_TORCH_GROUPS)  # name in torch's namespace -> why ember lacks it
TENSOR = _table(_TENSOR_GROUPS)  # Tensor method or attribute -> why ember lacks it
NN = _table(_NN_GROUPS)
FUNCTIONAL = _table(_FUNCTIONAL_GROUPS)
LINALG = _table(_LINALG_GROUPS)
SPECIAL = _table(_SPECIAL_GROUPS)
FFT = _table(_FFT_GROUPS)


def missing(owner: str, name: str, table: dict[str, str], default: str) -> AttributeError:
    """The AttributeError for `owner.name`: saying why when ember lacks it on purpose, else `default`."""
    if name in table:
        return AttributeError(f"{owner}.{name} is not supported: {table[name]}")
    return AttributeError(default)
