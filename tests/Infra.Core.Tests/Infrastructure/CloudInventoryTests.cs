using System.Text.Json;
using Infra.Core.Infrastructure;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Infrastructure;

public class CloudInventoryTests
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmUcqRYyHW4ks0YsKDt0kSRDNhXX9Pmd2OyPGPrfrdM";

    private static (ClusterSpec, InfrastructurePlan, List<VmAddress>, Dictionary<string, SshHostKey>) Cluster()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp, controlPlanes: 1, workers: 2);
        var plan = CloudPlanner.Plan(spec, HostInventory.Plan(spec));
        var addresses = plan.Vms.Select((v, i) => new VmAddress(v.Name, $"198.51.100.{10 + i}", $"10.0.0.{10 + i}")).ToList();
        var keys = plan.Vms.ToDictionary(v => v.Host, v => new SshHostKey { Algorithm = "ssh-ed25519", PrivateKey = "x", PublicKeyLine = Key + " " + v.Host });
        return (spec, plan, addresses, keys);
    }

    [Fact]
    public void Build_CloudVms_HostsPinnedToKeptKeys()
    {
        var (spec, plan, addresses, keys) = Cluster();

        var hosts = CloudInventory.Build(spec, plan, addresses, keys);

        Assert.Equal(["cp-1", "general-1", "general-2"], hosts.Select(h => h.Name));
        Assert.Equal(("198.51.100.10", "10.0.0.10"), (hosts[0].Address, hosts[0].InternalAddress));
        Assert.All(hosts, h => Assert.Equal("ssh-ed25519", h.HostKey.Algorithm));
        Assert.All(hosts, h => Assert.Equal("infra", h.User));
        Assert.Equal("general", hosts[1].Pool);
        // The inventory plans like bare metal: same order, same roles.
        var planned = HostInventory.WithInventory(spec, hosts);
        Assert.Equal(hosts.Select(h => h.Name), planned.Select(h => h.Name));
    }

    [Fact]
    public void Build_MissingAddress_ErrorNamesVm()
    {
        var (spec, plan, addresses, keys) = Cluster();

        var e = Assert.Throws<InvalidOperationException>(() => CloudInventory.Build(spec, plan, addresses.Skip(1).ToList(), keys));

        Assert.Contains("sample-cp-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MissingHostKey_ErrorNamesHost()
    {
        var (spec, plan, addresses, keys) = Cluster();
        keys.Remove("general-2");

        var e = Assert.Throws<InvalidOperationException>(() => CloudInventory.Build(spec, plan, addresses, keys));

        Assert.Contains("general-2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_Inventory_HostsWithStackFields()
    {
        var (spec, plan, addresses, keys) = Cluster();

        using var doc = JsonDocument.Parse(CloudInventory.ToJson(CloudInventory.Build(spec, plan, addresses, keys)));

        var first = doc.RootElement.GetProperty("hosts")[0];
        Assert.Equal("cp-1", first.GetProperty("name").GetString());
        Assert.Equal(22, first.GetProperty("port").GetInt32());
        Assert.StartsWith("ssh-ed25519 AAAA", first.GetProperty("hostKey").GetString(), StringComparison.Ordinal);
        Assert.Equal("control-plane", first.GetProperty("roles")[0].GetString());
        Assert.False(first.TryGetProperty("pool", out _));
        Assert.Equal("general", doc.RootElement.GetProperty("hosts")[1].GetProperty("pool").GetString());
    }

    [Fact]
    public void FromJson_WhatToJsonWrote_SameHosts()
    {
        var (spec, plan, addresses, keys) = Cluster();
        var hosts = CloudInventory.Build(spec, plan, addresses, keys);

        var back = CloudInventory.FromJson(CloudInventory.ToJson(hosts));

        Assert.Equal(CloudInventory.ToJson(hosts), CloudInventory.ToJson(back));
        Assert.Equal(hosts[1].Pool, back[1].Pool);
        Assert.Equal(hosts[0].HostKey.Sha256, back[0].HostKey.Sha256);
    }

    [Theory]
    [InlineData("[]", "an inventory is an object")]
    [InlineData("{\"hosts\": [{\"name\": \"cp-1\"}]}", "hosts[0]")]
    [InlineData("{\"hosts\": [{\"name\": \"cp-1\", \"address\": \"a\", \"user\": \"u\", \"hostKey\": \"nope\"}]}", "hostKey")]
    public void FromJson_Malformed_ErrorNamesWhat(string json, string inMessage)
    {
        var e = Assert.Throws<FormatException>(() => CloudInventory.FromJson(json));

        Assert.Contains(inMessage, e.Message, StringComparison.Ordinal);
    }
}
