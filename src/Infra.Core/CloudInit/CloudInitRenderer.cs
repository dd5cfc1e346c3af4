using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Spec;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.CloudInit;

/// <summary>
/// User data for a cloud VM: only what the first SSH connection needs. The admin user with its key, the host key the
/// tool generated (so the VM is pinned before it exists) with the image's own keys deleted, and on GCP the guest
/// agent's host-key generation turned off. Nothing else secret; everything else runs over SSH.
/// </summary>
public static class CloudInitRenderer
{
    /// <summary>The Google guest agent's configuration file (guest-agent README, "Configuration").</summary>
    public const string GcpInstanceConfigs = "/etc/default/instance_configs.cfg";

    /// <summary>
    /// Stops the guest agent generating host keys on first boot. cloud-init's write_files runs in cloud-init's
    /// network stage, ordered before network-online.target, and the agent starts after network-online.target.
    /// </summary>
    public const string GcpInstanceConfigsContent = "[InstanceSetup]\nset_host_keys = false\n";

    /// <param name="adminPublicKey">The key authorized for the admin user (<see cref="KeptSecrets.AdminPublicKeyFor"/>).</param>
    public static string Render(ClusterSpec spec, PlannedHost host, SshHostKey hostKey, string adminPublicKey)
    {
        var user = new YamlMappingNode
        {
            { "name", spec.Ssh.AdminUser },
            { "shell", "/bin/bash" },
            { "sudo", Quoted("ALL=(ALL) NOPASSWD:ALL") },
            { "lock_passwd", Plain("true") },
            { "ssh_authorized_keys", new YamlSequenceNode(new YamlScalarNode(adminPublicKey)) },
        };
        var prefix = hostKey.Algorithm switch
        {
            "ssh-ed25519" => "ed25519",
            "ecdsa-sha2-nistp256" => "ecdsa",
            _ => throw new ArgumentException($"host key algorithm '{hostKey.Algorithm}' of {host.Name} is not one cloud-init installs", nameof(hostKey)),
        };
        var root = new YamlMappingNode
        {
            { "users", new YamlSequenceNode(user) },
            { "disable_root", Plain("true") },
            { "ssh_pwauth", Plain("false") },
            // With ssh_keys given, cloud-init writes those and generates none (cc_ssh).
            { "ssh_deletekeys", Plain("true") },
            {
                "ssh_keys", new YamlMappingNode
                {
                    { prefix + "_private", Literal(hostKey.PrivateKey) },
                    { prefix + "_public", hostKey.PublicKeyLine.Trim() },
                }
            },
        };
        if (spec.Target == Target.Gcp)
        {
            root.Add("write_files", new YamlSequenceNode(new YamlMappingNode
            {
                { "path", GcpInstanceConfigs },
                { "owner", "root:root" },
                { "permissions", Quoted("0644") },
                { "content", Literal(GcpInstanceConfigsContent) },
            }));
        }
        using var writer = new StringWriter();
        writer.NewLine = "\n";
        writer.Write("#cloud-config\n");
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        // YamlStream ends a document with "...": not wanted in user data.
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static YamlScalarNode Plain(string s) => new(s) { Style = ScalarStyle.Plain };

    private static YamlScalarNode Quoted(string s) => new(s) { Style = ScalarStyle.DoubleQuoted };

    private static YamlScalarNode Literal(string s) => new(s.EndsWith('\n') ? s : s + "\n") { Style = ScalarStyle.Literal };
}
