namespace Infra.TestHosts;

internal static class Placeholder;
