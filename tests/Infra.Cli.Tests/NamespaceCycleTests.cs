using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Infra.Cli.Tests;

/// <summary>
/// Core, Ssh and Cli are layered one way: within each assembly, no namespace may (through others) use itself. The
/// graph is read from the compiled assemblies (System.Reflection.Metadata): the types named in base types, interfaces,
/// field, method and property signatures, and every type, method and field token in method bodies' IL, so a fully
/// qualified name or a <c>using</c> the compiler did not need cannot hide or invent an edge. Nested and
/// compiler-generated types count as their enclosing type's namespace; attributes and generic constraints are not read.
/// </summary>
public class NamespaceCycleTests
{
    [Theory]
    [Trait("Item", "12.3")]
    [InlineData("Infra.Core")]
    [InlineData("Infra.Ssh")]
    [InlineData("infra")] // Infra.Cli's assembly
    public void Assembly_Namespaces_FormNoCycle(string assembly)
    {
        var graph = NamespaceGraph(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        var cycles = Cycles(graph).ToList();
        Assert.True(cycles.Count == 0,
            "namespaces that use each other: " + string.Join("; ", cycles.Select(c => string.Join(" <-> ", c))) + "\n" + Describe(graph));
    }

    [Fact]
    [Trait("Item", "12.3")]
    public void Cycles_TwoNamespacesUsingEachOther_Found()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };
        Assert.Equal(["A", "B", "C"], Assert.Single(Cycles(graph)).Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("Item", "12.3")]
    public void NamespaceGraph_Core_SeesLayeringEdges()
    {
        // The reader sees real edges (a type in a signature, a call in IL): Planning uses Model, Model uses Spec.
        var graph = NamespaceGraph(Path.Combine(AppContext.BaseDirectory, "Infra.Core.dll"));
        Assert.Contains("Infra.Core.Model", graph["Infra.Core.Planning"]);
        Assert.Contains("Infra.Core.Spec", graph["Infra.Core.Model"]);
        Assert.DoesNotContain("Infra.Core.Planning", graph["Infra.Core.Spec"]);
    }

    internal static Dictionary<string, HashSet<string>> NamespaceGraph(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var provider = new NamespaceProvider(md);
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var th in md.TypeDefinitions)
        {
            var from = provider.OfDefinition(th);
            if (from.Length == 0) continue;
            var uses = new HashSet<string>(StringComparer.Ordinal);
            var type = md.GetTypeDefinition(th);
            if (!type.BaseType.IsNil) uses.UnionWith(provider.OfEntity(type.BaseType));
            foreach (var ih in type.GetInterfaceImplementations()) uses.UnionWith(provider.OfEntity(md.GetInterfaceImplementation(ih).Interface));
            foreach (var fh in type.GetFields()) uses.UnionWith(md.GetFieldDefinition(fh).DecodeSignature(provider, null));
            foreach (var ph in type.GetProperties())
            {
                var sig = md.GetPropertyDefinition(ph).DecodeSignature(provider, null);
                uses.UnionWith(sig.ReturnType);
                foreach (var p in sig.ParameterTypes) uses.UnionWith(p);
            }
            foreach (var mh in type.GetMethods())
            {
                var method = md.GetMethodDefinition(mh);
                var sig = method.DecodeSignature(provider, null);
                uses.UnionWith(sig.ReturnType);
                foreach (var p in sig.ParameterTypes) uses.UnionWith(p);
                if (method.RelativeVirtualAddress != 0) uses.UnionWith(InBody(pe.GetMethodBody(method.RelativeVirtualAddress), md, provider));
            }
            if (!graph.TryGetValue(from, out var set)) graph[from] = set = new HashSet<string>(StringComparer.Ordinal);
            set.UnionWith(uses.Where(u => u.Length > 0 && u != from));
        }
        // Only namespaces of this assembly are nodes: other assemblies cannot close a cycle inside it.
        foreach (var set in graph.Values) set.IntersectWith(graph.Keys);
        return graph;
    }

    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    private static List<string> InBody(MethodBodyBlock body, MetadataReader md, NamespaceProvider provider)
    {
        var il = body.GetILReader();
        var found = new List<string>();
        if (!body.LocalSignature.IsNil)
        {
            foreach (var l in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null)) found.AddRange(l);
        }
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE) code = (short)(0xFE00 | il.ReadByte());
            switch (Operands[code])
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.ReadByte(); break;
                case OperandType.InlineVar: il.ReadInt16(); break;
                case OperandType.InlineI8 or OperandType.InlineR: il.ReadInt64(); break;
                case OperandType.InlineSwitch: var n = il.ReadInt32(); for (var i = 0; i < n; i++) il.ReadInt32(); break;
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    found.AddRange(provider.OfEntity(MetadataTokens.EntityHandle(il.ReadInt32())));
                    break;
                default: il.ReadInt32(); break; // branch targets, int32, float32, strings, signatures
            }
        }
        return found;
    }

    /// <summary>The strongly connected components with more than one namespace (Tarjan).</summary>
    internal static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var cycles = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.TryGetValue(w, out var at)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (stack.Contains(w)) low[v] = Math.Min(low[v], at);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); component.Add(x); } while (x != v);
            if (component.Count > 1) cycles.Add(component);
        }
        foreach (var v in graph.Keys.Order(StringComparer.Ordinal)) if (!index.ContainsKey(v)) Visit(v);
        return cycles;
    }

    private static string Describe(Dictionary<string, HashSet<string>> graph) =>
        string.Join("\n", graph.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"  {kv.Key} -> {string.Join(", ", kv.Value.Order(StringComparer.Ordinal))}"));

    /// <summary>Decodes signatures into the namespaces of the types they name (nested types: their outermost type's).</summary>
    private sealed class NamespaceProvider(MetadataReader md) : ISignatureTypeProvider<ImmutableArray<string>, object?>
    {
        public string OfDefinition(TypeDefinitionHandle h)
        {
            var t = md.GetTypeDefinition(h);
            while (t.IsNested) t = md.GetTypeDefinition(t.GetDeclaringType());
            return md.GetString(t.Namespace);
        }

        private string OfReference(TypeReferenceHandle h)
        {
            var t = md.GetTypeReference(h);
            while (t.ResolutionScope.Kind == HandleKind.TypeReference) t = md.GetTypeReference((TypeReferenceHandle)t.ResolutionScope);
            return md.GetString(t.Namespace);
        }

        public ImmutableArray<string> OfEntity(EntityHandle h) => h.Kind switch
        {
            HandleKind.TypeDefinition => [OfDefinition((TypeDefinitionHandle)h)],
            HandleKind.TypeReference => [OfReference((TypeReferenceHandle)h)],
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(this, null),
            HandleKind.MethodDefinition => [OfDefinition(md.GetMethodDefinition((MethodDefinitionHandle)h).GetDeclaringType())],
            HandleKind.FieldDefinition => [OfDefinition(md.GetFieldDefinition((FieldDefinitionHandle)h).GetDeclaringType())],
            HandleKind.MemberReference => OfMember(md.GetMemberReference((MemberReferenceHandle)h)),
            HandleKind.MethodSpecification => OfMethodSpec(md.GetMethodSpecification((MethodSpecificationHandle)h)),
            _ => [],
        };

        private ImmutableArray<string> OfMember(MemberReference m)
        {
            var parent = m.Parent.Kind is HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification or HandleKind.MethodDefinition
                ? OfEntity(m.Parent) : [];
            var signature = m.GetKind() == MemberReferenceKind.Method
                ? Flatten(m.DecodeMethodSignature(this, null))
                : m.DecodeFieldSignature(this, null);
            return parent.AddRange(signature);
        }

        private ImmutableArray<string> OfMethodSpec(MethodSpecification s) =>
            OfEntity(s.Method).AddRange(s.DecodeSignature(this, null).SelectMany(a => a));

        private static ImmutableArray<string> Flatten(MethodSignature<ImmutableArray<string>> sig) =>
            sig.ReturnType.AddRange(sig.ParameterTypes.SelectMany(p => p));

        public ImmutableArray<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [OfDefinition(handle)];
        public ImmutableArray<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [OfReference(handle)];
        public ImmutableArray<string> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];
        public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments) =>
            genericType.AddRange(typeArguments.SelectMany(a => a));
        public ImmutableArray<string> GetGenericMethodParameter(object? genericContext, int index) => [];
        public ImmutableArray<string> GetGenericTypeParameter(object? genericContext, int index) => [];
        public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) => Flatten(signature);
        public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
