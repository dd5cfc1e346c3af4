using System.Runtime.Versioning;

// Network namespaces, overlayfs and cgroups: the harness exists only on Linux.
[assembly: SupportedOSPlatform("linux")]
