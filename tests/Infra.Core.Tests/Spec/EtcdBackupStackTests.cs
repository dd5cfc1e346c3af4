using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

/// <summary>The stack key etcd.backup: defaults for every topology, bounds, and schedules refused with their position.</summary>
public class EtcdBackupStackTests
{
    private static StackReadResult Read(string etcd) =>
        StackFile.Read("stack.yaml", StackReaderTests.BareMetal.Replace("workers:", etcd + "\n    workers:", StringComparison.Ordinal));

    [Trait("Item", "14.2")]
    [Theory]
    [InlineData("etcd: { topology: stacked }")]
    [InlineData("etcd: { topology: stacked, backup: {} }")]
    public void Read_NoBackupKey_OnWithTheDefaults(string etcd)
    {
        var r = Read(etcd);

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal("*-*-* 00/6:00:00", r.Spec!.Etcd.Backup.Schedule);
        Assert.Equal(28, r.Spec.Etcd.Backup.Keep);
    }

    [Trait("Item", "14.2")]
    [Fact]
    public void Read_ScheduleAndKeep_Taken()
    {
        var r = Read("etcd: { backup: { schedule: \"*-*-* 02:30:00\", keep: 7 } }");

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(new EtcdBackupSpec { Schedule = "*-*-* 02:30:00", Keep = 7 }, r.Spec!.Etcd.Backup);
    }

    [Trait("Item", "14.2")]
    [Theory]
    [InlineData("keep: 0", "INF040", "etcd.backup.keep")]
    [InlineData("keep: 1001", "INF040", "etcd.backup.keep")]
    [InlineData("keep: many", "INF003", "etcd.backup.keep")]
    [InlineData("schedule: \"daily\\nExecStartPre=/bin/sh -c id\"", "INF076", "etcd.backup.schedule")]
    [InlineData("schedule: \"%H:00\"", "INF076", "etcd.backup.schedule")]
    [InlineData("every: daily", "INF002", "etcd.backup.every")]
    public void Read_BadBackupValue_RefusedWithPositionAndKey(string entry, string code, string key)
    {
        var r = Read($"etcd:\n      backup:\n        {entry}");

        Assert.False(r.IsValid);
        var d = Assert.Single(r.Diagnostics, d => d.KeyPath.EndsWith(key, StringComparison.Ordinal));
        Assert.Equal(code, d.Code);
        Assert.True(d.Line > 0 && d.Column > 0, d.ToString());
    }
}
