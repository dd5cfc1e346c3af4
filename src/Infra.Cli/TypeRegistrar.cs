using Spectre.Console.Cli;

namespace Infra.Cli;

/// <summary>
/// Spectre.Console.Cli's way of giving commands what they need: a run registers its environment (consoles, working
/// folder, variables) and clock, and commands take them in their constructors. Each run has its own registrar, so runs in
/// one process (the tests, in parallel) never share a console.
/// </summary>
internal sealed class TypeRegistrar : ITypeRegistrar
{
    private readonly Dictionary<Type, List<Func<TypeResolver, object>>> _registrations = [];

    public void Register(Type service, Type implementation) => Add(service, resolver => resolver.Create(implementation));

    public void RegisterInstance(Type service, object implementation) => Add(service, _ => implementation);

    public void RegisterLazy(Type service, Func<object> factory)
    {
        var value = new Lazy<object>(factory);
        Add(service, _ => value.Value);
    }

    public ITypeResolver Build() => new TypeResolver(_registrations.ToDictionary(r => r.Key, r => (IReadOnlyList<Func<TypeResolver, object>>)[.. r.Value]));

    private void Add(Type service, Func<TypeResolver, object> factory)
    {
        if (!_registrations.TryGetValue(service, out var list)) _registrations[service] = list = [];
        list.Add(factory);
    }
}
