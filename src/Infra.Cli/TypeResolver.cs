using Spectre.Console.Cli;

namespace Infra.Cli;

/// <summary>Resolves what a <see cref="TypeRegistrar"/> holds; builds registered types through their largest constructor that it can fill.</summary>
internal sealed class TypeResolver(IReadOnlyDictionary<Type, IReadOnlyList<Func<TypeResolver, object>>> registrations) : ITypeResolver
{
    /// <summary>The last registration of <paramref name="type"/>, every one for <c>IEnumerable&lt;T&gt;</c>, or null (Spectre then makes the type itself).</summary>
    public object? Resolve(Type? type)
    {
        if (type is null) return null;
        if (registrations.TryGetValue(type, out var factories)) return factories[^1](this);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = type.GenericTypeArguments[0];
            var all = registrations.TryGetValue(element, out var each) ? each : [];
            var array = Array.CreateInstance(element, all.Count);
            for (var i = 0; i < all.Count; i++) array.SetValue(all[i](this), i);
            return array;
        }
        return null;
    }

    public object Create(Type implementation)
    {
        foreach (var constructor in implementation.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var parameters = constructor.GetParameters();
            var arguments = new object?[parameters.Length];
            var filled = true;
            for (var i = 0; i < parameters.Length && filled; i++)
            {
                arguments[i] = parameters[i].ParameterType == implementation ? null : Resolve(parameters[i].ParameterType);
                filled = arguments[i] is not null;
            }
            if (filled) return constructor.Invoke(arguments);
        }
        throw new InvalidOperationException($"{implementation.Name}: no constructor whose parameters are all registered");
    }
}
