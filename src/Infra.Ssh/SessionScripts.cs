using Infra.Core.Shell;

namespace Infra.Ssh;

/// <summary>The transport's own scripts (upload, stopping a timed-out command), rendered from <c>Shell/</c> sources.</summary>
internal static class SessionScripts
{
    private static ShellSource Source(string name) => ShellScript.Load(typeof(SessionScripts).Assembly, name);

    /// <summary>Checks the uploaded <paramref name="temp"/> by SHA-256 (exit 3 when corrupted), then puts it at <paramref name="target"/>.</summary>
    /// <param name="staged">Root only: the name next to the target that sudo installs to before the atomic move; null when root uploaded there itself.</param>
    public static string UploadInstall(string temp, string sha256, string octalMode, string target, string? staged)
    {
        var args = new ShellArgs().Set("TEMP", temp).Set("SHA256", sha256).Set("MODE", octalMode).Set("TARGET", target);
        if (staged is null) return ShellScript.Render(args, Source("upload/verify.sh"), Source("upload/install-as-root.sh"));
        args.Set("TARGET_DIR", staged[..staged.LastIndexOf('/')] is { Length: > 0 } d ? d : "/").Set("STAGED", staged).Set("TEMP_DIR", temp[..temp.LastIndexOf('/')]);
        return ShellScript.Render(args, Source("upload/verify.sh"), Source("upload/install-with-sudo.sh"));
    }

    /// <summary>Kills the session of the command started as <c>bash -s TAG</c>.</summary>
    public static string StopSession(string tag) => ShellScript.Render(new ShellArgs().Set("TAG", tag), Source("session/stop.sh"));
}
