using System.Text;
using System.Text.Json;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>plan.json: the machine-readable plan. Sorted, no timestamps, so two plans of one stack diff cleanly.</summary>
public static class PlanJson
{
    public static string Render(ClusterPlan plan)
    {
        using var stream = new MemoryStream();
        // Read by people and CI: "it's", not "it\u0027s" (still valid JSON; HTML-safety is not needed in a file).
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var s = plan.Spec;
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", ClusterPlan.SchemaVersion);
            w.WriteString("cluster", s.Name);
            w.WriteString("target", s.Target.Name());
            w.WriteString("kubernetesVersion", s.Kubernetes.Version.ToString());
            w.WriteString("os", OsName(s.Os));
            w.WriteString("endpoint", s.ControlPlane.Endpoint?.ToString() ?? "(cloud load balancer)");
            w.WriteString("etcdTopology", s.Etcd.Topology.Name());
            w.WriteString("packageSource", s.Packages.Source.Name());
            w.WriteBoolean("secretsArePlaceholders", plan.SecretsArePlaceholders);
            w.WriteStartObject("network");
            w.WriteString("podCidr", s.Network.PodCidr.ToString());
            w.WriteString("serviceCidr", s.Network.ServiceCidr.ToString());
            w.WriteString("nodeCidr", s.Network.NodeCidr.ToString());
            w.WriteString("cni", s.Network.Cni.Name());
            w.WriteEndObject();
            w.WriteStartArray("hosts");
            foreach (var h in plan.Hosts)
            {
                w.WriteStartObject();
                w.WriteString("name", h.Name);
                if (h.Address is not null) w.WriteString("address", h.Address);
                w.WriteNumber("port", h.Port);
                w.WriteString("user", h.User);
                if (h.HostKey is not null) w.WriteString("hostKey", h.HostKey.Fingerprint);
                w.WriteStartArray("roles");
                foreach (var r in h.Roles) w.WriteStringValue(r);
                w.WriteEndArray();
                if (h.Pool is not null) w.WriteString("pool", h.Pool);
                if (h.Zone is not null) w.WriteString("zone", h.Zone);
                w.WriteString("os", OsName(h.Os));
                var node = plan.Nodes.FirstOrDefault(n => n.Host.Name == h.Name);
                if (node is not null)
                {
                    w.WriteStartArray("steps");
                    foreach (var step in node.Steps)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", step.Id);
                        w.WriteString("phase", step.Phase.Name());
                        w.WriteString("description", step.Description);
                        w.WriteString("inputHash", step.InputHash);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteWaves(w, "order", plan.Execution.Waves);
            WriteWaves(w, "resetOrder", plan.Execution.ResetWaves);
            w.WriteStartArray("warnings");
            foreach (var warning in plan.Warnings) w.WriteStringValue(warning);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The execution plan's waves: phase, title, hosts, how they run and what they need.</summary>
    private static void WriteWaves(Utf8JsonWriter w, string name, IReadOnlyList<Model.ExecutionWave> waves)
    {
        w.WriteStartArray(name);
        foreach (var wave in waves)
        {
            w.WriteStartObject();
            w.WriteString("phase", wave.Phase.Name());
            w.WriteString("title", wave.Title);
            w.WriteStartArray("hosts");
            foreach (var h in wave.Hosts) w.WriteStringValue(h.Name);
            w.WriteEndArray();
            w.WriteString("run", wave.Pacing.Name);
            if (wave.Pacing.BatchSize is > 1 and var size) w.WriteNumber("batchSize", size);
            var needs = wave.Needs;
            if (needs.JoinCredentialsFrom is not null || needs.EtcdMembers.Count > 0 || needs.EtcdMembership != Model.EtcdMembershipChange.None)
            {
                w.WriteStartObject("needs");
                if (needs.JoinCredentialsFrom is not null) w.WriteString("joinCredentialsFrom", needs.JoinCredentialsFrom);
                if (needs.EtcdMembers.Count > 0)
                {
                    w.WriteStartArray("etcdMembers");
                    foreach (var m in needs.EtcdMembers) w.WriteStringValue(m);
                    w.WriteEndArray();
                }
                if (needs.EtcdMembership != Model.EtcdMembershipChange.None) w.WriteString("etcdMembership", needs.EtcdMembership == Model.EtcdMembershipChange.Join ? "join" : "leave");
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static string OsName(OsFamily os) => os.Name();
}
