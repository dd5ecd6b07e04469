cd /tmp
N="node /work/wt-judge/dist/nook.cjs"
$N run --rm --limits wall=20 --result /tmp/victim.json host sleep 4.125 2>/dev/null &
sleep 1.5
pid=$(pgrep -u nooktest -f '^sleep 4.125$' | head -1)
echo "victim pid $pid"
python3 -c "import os,signal; os.kill($pid, signal.SIGKILL); print('kill reached')"
wait
python3 -c "import json; d=json.load(open('/tmp/victim.json')); print(d['status'], d['message'], d['exitsig'])"
