namespace Infra.Ssh;

internal static class Placeholder;
