"""Phrase banks of the demo business: ticket, review, survey and incident texts in five languages.

The generator picks texts by vectorised index into these arrays, so the banks are plain data.
English, Japanese, Traditional Chinese, Russian and Estonian follow the five source articles;
every language has polite complaints as well as rude and threatening messages, so a rule that
flags a language instead of a tone shows up as a false positive.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final[tuple[str, ...]] = ("en", "ja", "zh", "ru", "et")

TICKET_KINDS: Final[tuple[str, ...]] = (
    "question",
    "problem",
    "complaint",
    "change_request",
    "billing",
    "price_objection",
    "other",
    "angry",
    "abusive",
    "threat",
    "demand",
    "claim",
    "onboarding",
    "rework",
)
"""Tone and topic of a ticket text; ``complaint`` is always polite, ``angry`` has no threat."""

Pair = tuple[str, str]

TICKETS: Final[dict[str, dict[str, tuple[Pair, ...]]]] = {
    "en": {
        "question": (
            (
                "Question about my account",
                "Hi, could you tell me how to add another user to our account? Thanks.",
            ),
            (
                "How do I export my invoices?",
                "Hello, where can I download last quarter's invoices?",
            ),
            ("Delivery time", "Could you let me know when my order is expected to arrive? Thanks."),
            ("Opening hours", "Hi, are you open on Saturdays? I'd like to pick up my order."),
        ),
        "problem": (
            (
                "Login not working",
                "Since this morning I can't log in; it says my password is wrong.",
            ),
            ("Item arrived damaged", "The parcel came today and the item is damaged. Please help."),
            ("Report shows wrong totals", "The monthly report totals don't match our records."),
            ("Sync error", "The integration stopped syncing yesterday evening. Could you check?"),
        ),
        "complaint": (
            (
                "Disappointed with the service",
                "I'm sorry to say I'm disappointed: the delivery was a week late and nobody told "
                "us. I'd appreciate an explanation.",
            ),
            (
                "Still waiting for a reply",
                "I wrote last week and haven't heard back yet. I would be grateful if someone "
                "could look into this.",
            ),
            (
                "Quality not as expected",
                "Unfortunately the last batch was not up to your usual standard. Could you please "
                "check what happened?",
            ),
            (
                "Problem not solved",
                "Thank you for your reply, but the problem is still there. Kindly have "
                "another look.",
            ),
            (
                "Invoice charged twice",
                "I'm afraid the last invoice charged us twice. Could you please correct it?",
            ),
        ),
        "change_request": (
            (
                "Change to the scope",
                "We've rethought the layout; can we change the main page again and move the "
                "pricing section?",
            ),
            (
                "New requirements",
                "Our management wants something different after all, please redo it with the new "
                "colours.",
            ),
            (
                "Adjust the specification",
                "Please update the specification: we need the export in a different format than "
                "agreed last week.",
            ),
            (
                "One more change",
                "Sorry, we changed our minds again about the workflow. Can you rework step two?",
            ),
        ),
        "billing": (
            (
                "Invoice copy",
                "Could you resend last month's invoice? Our accounts team can't find it.",
            ),
            ("Billing address", "Please update our billing address to our new office."),
            ("Payment received?", "We paid the invoice on Monday, can you confirm it arrived?"),
        ),
        "price_objection": (
            (
                "Price too high",
                "Your price is much higher than we expected. Can you do better? Other "
                "vendors quote less.",
            ),
            (
                "Discount request",
                "We'd like a 20% discount on this order, otherwise we'll have to reconsider.",
            ),
            (
                "Why so expensive?",
                "I don't see why this costs so much for a few hours of work. Please reduce the "
                "invoice.",
            ),
        ),
        "other": (
            ("Thank you", "Just wanted to say thanks to the team for the quick help last week."),
            ("Holiday hours", "Are you open during the holidays?"),
            ("Newsletter", "Please remove my colleague from the newsletter list."),
        ),
        "angry": (
            (
                "This is unacceptable",
                "This is the third time the delivery is late. I am really fed up and frankly "
                "furious. Fix it today.",
            ),
            (
                "Very frustrated",
                "I'm extremely frustrated. Nothing works and I wasted my whole morning on this!",
            ),
            (
                "Terrible experience",
                "Honestly, this is the worst experience I've had with a supplier. Sort it out.",
            ),
            (
                "Losing my patience",
                "I have called four times this week and I'm losing my patience. Just fix it.",
            ),
        ),
        "abusive": (
            (
                "You are useless",
                "Your support people are completely useless idiots. Do your damn job for once.",
            ),
            (
                "Incompetent",
                "What a bunch of incompetent clowns. I've never dealt with such pathetic morons.",
            ),
            (
                "Pathetic service",
                "Are you stupid or just lazy? Your staff are worthless and should be ashamed.",
            ),
            (
                "Liars and crooks",
                "You are liars and crooks. Your so-called support is a piece of garbage.",
            ),
        ),
        "threat": (
            (
                "Final warning",
                "If this isn't fixed by Friday I will sue you and make sure you go out of "
                "business.",
            ),
            (
                "You'll regret this",
                "You'll regret this. I know where your office is and I will come there myself.",
            ),
            (
                "Legal action",
                "I'm going to destroy your reputation and see you in court. You have been warned.",
            ),
            (
                "My lawyer will call",
                "My lawyer will be in touch and I will sue you. Watch your back.",
            ),
        ),
        "demand": (
            (
                "URGENT - need it now",
                "I need this done tonight, I don't care that it's Sunday. Call me immediately.",
            ),
            (
                "Extra work included",
                "Add the extra pages and the new module as well; I expect this to be included in "
                "the price.",
            ),
            (
                "Answer me now",
                "I've sent three messages in the last hour. I expect an answer within minutes, at "
                "any time of day.",
            ),
        ),
        "claim": (
            (
                "As promised",
                "Your colleague promised us a free upgrade last month, so please apply it now.",
            ),
            (
                "Agreed discount",
                "Your sales rep told us the setup fee would be waived. I expect that on the "
                "invoice.",
            ),
            (
                "Your staff were rude",
                "Your technician was rude and broke our printer during the visit; we want "
                "compensation.",
            ),
        ),
        "onboarding": (
            ("Getting started", "We just signed up. How do we import our existing data?"),
            ("Setting up users", "Could you help us set up accounts for our team? We're new here."),
            ("First steps", "Hi! Where do I find the settings for notifications?"),
        ),
        "rework": (
            (
                "Not what we wanted",
                "This isn't what we asked for. Please redo it, at no extra cost of course.",
            ),
            (
                "Send it back",
                "We are sending the work back again; the quality doesn't justify the price.",
            ),
        ),
    },
    "ja": {
        "question": (
            (
                "アカウントについての質問",
                "お世話になっております。アカウントにユーザーを追加する方法を教えていただけますか。",
            ),
            ("納期について", "注文した商品はいつ届く予定でしょうか。よろしくお願いいたします。"),
        ),
        "problem": (
            (
                "ログインできません",
                "今朝からログインできません。パスワードが無効と表示されます。ご確認ください。",
            ),
            (
                "商品が破損していました",
                "本日届いた商品が破損していました。交換をお願いできますか。",
            ),
        ),
        "complaint": (
            (
                "サービスについて",
                "大変恐縮ですが、納品が一週間遅れ、ご連絡もありませんでした。ご説明いただけますと"
                "幸いです。",
            ),
            (
                "返信をお待ちしています",
                "先週お問い合わせしましたが、まだご返信をいただいておりません。ご確認をお願い"
                "いたします。",
            ),
            (
                "請求の誤りについて",
                "恐れ入りますが、先月の請求が二重になっているようです。ご確認いただけますでしょうか。",
            ),
        ),
        "change_request": (
            (
                "仕様変更のお願い",
                "社内で再検討した結果、トップページのデザインをもう一度変更していただきたいです。",
            ),
            ("要件の追加", "やはり出力形式を先週の合意とは別の形式に変更してください。"),
        ),
        "billing": (("請求書について", "先月分の請求書を再送していただけますか。"),),
        "price_objection": (
            (
                "価格について",
                "見積もりが予想よりかなり高いです。もう少し値引きしていただけませんか。",
            ),
        ),
        "other": (("お礼", "先日は迅速にご対応いただきありがとうございました。"),),
        "angry": (
            (
                "納得できません",
                "配送が遅れるのはこれで三回目です。本当にうんざりしています。今日中に対応して"
                "ください。",
            ),
            (
                "いい加減にしてください",
                "今週四回も電話しました。もう我慢の限界です。早く直してください。",
            ),
        ),
        "abusive": (
            ("役立たず", "おたくのサポートは本当に役立たずだ。馬鹿ばかりで話にならない。"),
            ("無能すぎる", "こんな無能な会社は初めてだ。ふざけるな。"),
            ("詐欺師", "お前らは嘘つきの詐欺師だ。最低の会社だな。"),
        ),
        "threat": (
            ("最終警告", "金曜日までに直さなければ訴えるぞ。後悔することになる。"),
            ("覚えておけ", "お前の会社の場所は知っている。覚えておけ。"),
            ("弁護士に相談します", "弁護士に相談して訴えるつもりだ。覚悟しておけ。"),
        ),
        "demand": (
            (
                "至急対応してください",
                "日曜日でも関係ない。今夜中に対応しろ。すぐに電話してください。",
            ),
        ),
        "claim": (
            (
                "約束の件",
                "御社の担当者から無料でアップグレードしてもらえると約束されました。すぐに適用して"
                "ください。",
            ),
        ),
        "onboarding": (
            (
                "初期設定について",
                "登録したばかりです。既存のデータをインポートする方法を教えてください。",
            ),
        ),
        "rework": (
            ("やり直してください", "依頼した内容と違います。追加費用なしでやり直してください。"),
        ),
    },
    "zh": {
        "question": (
            ("帳戶問題", "您好，請問如何在我們的帳戶中新增使用者？謝謝。"),
            ("交貨時間", "請問我訂購的商品預計什麼時候送達？謝謝。"),
        ),
        "problem": (
            ("無法登入", "從今天早上開始我無法登入，系統顯示密碼無效，請協助處理。"),
            ("商品損壞", "今天收到的商品有損壞，可以幫忙更換嗎？"),
        ),
        "complaint": (
            (
                "對服務感到失望",
                "很抱歉要反映，這次交貨延遲了一週，也沒有人通知我們。希望能得到說明。",
            ),
            ("仍在等待回覆", "上週已來信詢問，至今尚未收到回覆，麻煩您們協助確認，謝謝。"),
            ("帳單有誤", "不好意思，上個月的帳單好像重複收費了，麻煩幫忙確認，謝謝。"),
        ),
        "change_request": (
            ("需求變更", "我們重新考慮後，希望首頁的設計再修改一次。"),
            ("規格調整", "請把匯出格式改成跟上週約定不同的格式。"),
        ),
        "billing": (("發票問題", "請問可以重新寄送上個月的發票嗎？"),),
        "price_objection": (("價格太高", "報價比我們預期高很多，可以再便宜一點嗎？"),),
        "other": (("感謝", "謝謝你們上週的快速協助。"),),
        "angry": (
            ("無法接受", "這已經是第三次延遲交貨了，我真的受夠了，請今天處理。"),
            ("請盡快處理", "這週我已經打了四次電話，耐心快用完了，請盡快解決。"),
        ),
        "abusive": (
            ("你們真沒用", "你們的客服根本是一群廢物，跟笨蛋一樣，什麼都做不好。"),
            ("無能", "從沒見過這麼無能的公司，簡直是白痴。"),
            ("騙子", "你們就是一群騙子，爛公司，垃圾服務。"),
        ),
        "threat": (
            ("最後警告", "如果星期五之前不解決，我一定會告你們，你們會後悔的。"),
            ("走著瞧", "我知道你們辦公室在哪裡，走著瞧。"),
            ("律師函", "我會請律師告你們，你們給我小心一點。"),
        ),
        "demand": (("緊急", "我不管今天是星期日，今晚一定要完成，馬上打電話給我。"),),
        "claim": (("承諾的事項", "你們的同事上個月答應我們免費升級，請立即處理。"),),
        "onboarding": (("開始使用", "我們剛註冊，請問如何匯入現有的資料？"),),
        "rework": (("請重做", "這不是我們要的，請重新做，當然不能另外收費。"),),
    },
    "ru": {
        "question": (
            (
                "Вопрос по аккаунту",
                "Здравствуйте! Подскажите, пожалуйста, как добавить нового пользователя? Спасибо.",
            ),
            ("Срок доставки", "Подскажите, пожалуйста, когда ожидать наш заказ?"),
        ),
        "problem": (
            (
                "Не могу войти",
                "С утра не получается войти в систему, пишет, что пароль неверный. Помогите.",
            ),
            ("Товар повреждён", "Сегодня пришла посылка, товар повреждён. Можно заменить?"),
        ),
        "complaint": (
            (
                "Недовольны обслуживанием",
                "К сожалению, доставка задержалась на неделю, и нас никто не предупредил. Просим "
                "объяснить, что произошло.",
            ),
            (
                "Жду ответа",
                "Я писал на прошлой неделе, но ответа до сих пор нет. Буду благодарен, если "
                "кто-нибудь разберётся.",
            ),
            (
                "Ошибка в счёте",
                "Извините, похоже, в последнем счёте оплату выставили дважды. "
                "Проверьте, пожалуйста.",
            ),
        ),
        "change_request": (
            (
                "Изменение требований",
                "Мы всё обдумали и хотим снова переделать главную страницу и перенести раздел с "
                "ценами.",
            ),
            (
                "Новые требования",
                "Руководство хочет другой формат выгрузки, не тот, что договорились.",
            ),
        ),
        "billing": (("Вопрос по счёту", "Пришлите, пожалуйста, повторно счёт за прошлый месяц."),),
        "price_objection": (
            (
                "Слишком дорого",
                "Ваша цена намного выше, чем мы ожидали. Можете сделать скидку? Другие дешевле.",
            ),
        ),
        "other": (("Спасибо", "Спасибо команде за быструю помощь на прошлой неделе."),),
        "angry": (
            (
                "Это неприемлемо",
                "Уже третий раз задерживаете доставку. Я очень зол и устал от этого. Исправьте "
                "сегодня же.",
            ),
            (
                "Терпение кончается",
                "Я звонил четыре раза за неделю, терпение на исходе. Пожалуйста, исправьте.",
            ),
        ),
        "abusive": (
            (
                "Вы бесполезны",
                "Ваша поддержка — сборище бесполезных идиотов. Сделайте свою работу.",
            ),
            ("Некомпетентность", "Такой некомпетентной конторы я ещё не видел. Вы просто тупые."),
            ("Мошенники", "Вы лжецы и мошенники. Ваша контора — полный отстой."),
        ),
        "threat": (
            (
                "Последнее предупреждение",
                "Если к пятнице не исправите, я подам на вас в суд. Вы пожалеете об этом.",
            ),
            ("Вы пожалеете", "Я знаю, где ваш офис. Вы об этом пожалеете."),
            ("Суд", "Мой юрист подаст на вас в суд. Берегитесь, вы за это заплатите."),
        ),
        "demand": (
            (
                "СРОЧНО",
                "Мне всё равно, что сегодня воскресенье. Сделайте сегодня ночью и перезвоните.",
            ),
        ),
        "claim": (
            ("Как обещали", "Ваш коллега обещал нам бесплатное обновление, примените его сейчас."),
        ),
        "onboarding": (
            ("Начало работы", "Мы только что зарегистрировались. Как импортировать данные?"),
        ),
        "rework": (("Переделайте", "Это не то, что мы просили. Переделайте бесплатно."),),
    },
    "et": {
        "question": (
            ("Küsimus konto kohta", "Tere! Kuidas lisada meie kontole uus kasutaja? Aitäh."),
            ("Tarneaeg", "Kas oskate öelda, millal meie tellimus kohale jõuab?"),
        ),
        "problem": (
            (
                "Ei saa sisse logida",
                "Alates hommikust ei saa ma sisse logida, parool on väidetavalt vale.",
            ),
            ("Kaup on kahjustatud", "Pakk saabus täna ja toode on katki. Kas saate asendada?"),
        ),
        "complaint": (
            (
                "Pettunud teenindusse",
                "Kahjuks hilines tarne nädala võrra ja keegi ei teavitanud meid. Palun selgitage, "
                "mis juhtus.",
            ),
            (
                "Ootan endiselt vastust",
                "Kirjutasin eelmisel nädalal, kuid vastust pole siiani tulnud. Oleksin tänulik, "
                "kui keegi asja uuriks.",
            ),
            (
                "Arve viga",
                "Vabandust, tundub, et eelmine arve esitati meile kaks korda. Palun kontrollige.",
            ),
        ),
        "change_request": (
            (
                "Nõuete muutmine",
                "Mõtlesime uuesti ja soovime avalehe kujunduse veel kord ümber teha.",
            ),
            (
                "Uued nõuded",
                "Palun muutke ekspordi vormingut, vajame teistsugust kui kokku lepitud.",
            ),
        ),
        "billing": (("Arve küsimus", "Kas saaksite eelmise kuu arve uuesti saata?"),),
        "price_objection": (
            (
                "Liiga kallis",
                "Teie hind on palju kõrgem, kui ootasime. Kas saate allahindlust teha?",
            ),
        ),
        "other": (("Tänan", "Tänan meeskonda eelmise nädala kiire abi eest."),),
        "angry": (
            (
                "See on vastuvõetamatu",
                "Juba kolmas kord hilineb tarne. Olen tõesti vihane ja tüdinud. "
                "Parandage see täna.",
            ),
            (
                "Kannatus katkeb",
                "Helistasin sel nädalal neli korda ja mu kannatus on otsas. Palun parandage.",
            ),
        ),
        "abusive": (
            ("Te olete kasutud", "Teie klienditugi on täiesti kasutud idioodid. Tehke oma tööd."),
            (
                "Ebakompetentsed",
                "Nii saamatut firmat pole ma varem näinud. Te olete lihtsalt lollid.",
            ),
            ("Petised", "Te olete valetajad ja petised. Teie firma on täielik prügi."),
        ),
        "threat": (
            (
                "Viimane hoiatus",
                "Kui see reedeks korda ei saa, kaeban teid kohtusse. Te kahetsete seda.",
            ),
            ("Te kahetsete", "Ma tean, kus teie kontor asub. Te veel kahetsete seda."),
            (
                "Kohus",
                "Minu jurist annab teid kohtusse. Te maksate selle eest, olge ettevaatlikud!",
            ),
        ),
        "demand": (
            (
                "KIIRE",
                "Mind ei huvita, et on pühapäev. Tehke see täna öösel valmis ja helistage kohe.",
            ),
        ),
        "claim": (
            (
                "Lubatud soodustus",
                "Teie kolleeg lubas meile tasuta uuenduse, palun rakendage see kohe.",
            ),
        ),
        "onboarding": (("Alustamine", "Registreerusime just. Kuidas importida meie andmed?"),),
        "rework": (
            ("Tehke uuesti", "See pole see, mida tellisime. Tehke uuesti, tasuta muidugi."),
        ),
    },
}

REVIEW_BANDS: Final[tuple[str, ...]] = ("negative", "neutral", "positive")
"""Review text band by rating: 1–2 negative, 3 neutral, 4–5 positive."""

REVIEWS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "negative": (
            "Avoid this company. Late deliveries and nobody answers the phone.",
            "Terrible service, they overcharge and never fix anything.",
            "Worst supplier we've worked with. Save yourself the trouble.",
            "Do not trust their promises. Two stars only because the product is OK.",
        ),
        "neutral": (
            "Decent product, support could be faster.",
            "Okay overall, a few delays but they sorted it out.",
        ),
        "positive": (
            "Great team, quick answers and fair prices.",
            "Reliable and friendly, we've been customers for years.",
            "Excellent quality, delivery always on time.",
        ),
    },
    "ja": {
        "negative": (
            "対応が遅く、電話もつながらない。おすすめしません。",
            "約束を守らない会社です。",
        ),
        "neutral": ("商品はまあまあですが、サポートがもう少し早いと助かります。",),
        "positive": (
            "迅速で丁寧な対応でした。また利用します。",
            "品質が良く、納期も守ってくれます。",
        ),
    },
    "zh": {
        "negative": ("服務很差，交貨延遲也沒人回覆，不推薦。", "完全不守承諾的公司。"),
        "neutral": ("產品還可以，但客服回覆可以再快一點。",),
        "positive": ("服務迅速又親切，價格合理。", "品質很好，每次都準時交貨。"),
    },
    "ru": {
        "negative": (
            "Не рекомендую: сроки срывают, на звонки не отвечают.",
            "Обещания не выполняют.",
        ),
        "neutral": ("Нормально, но поддержка могла бы отвечать быстрее.",),
        "positive": ("Отличная команда, быстро отвечают, цены честные.", "Надёжный поставщик."),
    },
    "et": {
        "negative": (
            "Ei soovita: tarned hilinevad ja telefonile ei vastata.",
            "Lubadusi ei täideta.",
        ),
        "neutral": ("Toode on korralik, klienditugi võiks kiirem olla.",),
        "positive": (
            "Suurepärane meeskond, kiired vastused ja ausad hinnad.",
            "Usaldusväärne partner.",
        ),
    },
}

REVIEW_SOURCES: Final[tuple[str, ...]] = ("google", "trustpilot", "facebook", "yelp", "website")

EXIT_COMMENTS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "Too expensive for what we get.",
        "Quality dropped over the last year.",
        "We found a better offer elsewhere.",
        "Support took too long to answer.",
        "A promised fix never came.",
        "Our complaint was never resolved.",
        "Overall we were not satisfied.",
        "We no longer need the service.",
        "Internal reasons.",
    ),
    "ja": (
        "価格が高すぎました。",
        "品質が落ちました。",
        "他社からより良い提案がありました。",
        "問い合わせへの返信が遅すぎました。",
        "約束された対応が行われませんでした。",
        "苦情が解決されませんでした。",
        "全体的に満足できませんでした。",
        "サービスが不要になりました。",
        "社内の事情です。",
    ),
    "zh": (
        "價格太高。",
        "品質下降了。",
        "其他公司提供了更好的方案。",
        "客服回覆太慢。",
        "答應的事情沒有做到。",
        "投訴一直沒有解決。",
        "整體來說不滿意。",
        "我們不再需要這項服務。",
        "內部原因。",
    ),
    "ru": (
        "Слишком дорого.",
        "Качество ухудшилось.",
        "Нашли более выгодное предложение.",
        "Поддержка отвечала слишком долго.",
        "Обещанное исправление так и не сделали.",
        "Наша жалоба так и не была решена.",
        "В целом мы остались недовольны.",
        "Услуга нам больше не нужна.",
        "Внутренние причины.",
    ),
    "et": (
        "Liiga kallis.",
        "Kvaliteet langes.",
        "Leidsime parema pakkumise.",
        "Klienditugi vastas liiga aeglaselt.",
        "Lubatud parandus jäi tegemata.",
        "Meie kaebust ei lahendatud.",
        "Üldiselt polnud me rahul.",
        "Me ei vaja teenust enam.",
        "Sisemised põhjused.",
    ),
}
"""One exit-survey comment per language and reason, in the order of the contract's reasons."""

INCIDENT_TEXT: Final[dict[str, tuple[str, ...]]] = {
    "abuse": (
        "Customer shouted at the support agent and called her an idiot on the phone.",
        "Personal insults towards the account manager in front of their team during the meeting.",
        "Repeated aggressive accusations and swearing at the technician.",
    ),
    "threat": (
        "Customer threatened to sue and to 'come to the office' if the refund was not paid today.",
        "Threatened the engineer: 'you'll regret this, I know where you live'.",
    ),
    "dishonesty": (
        "Claimed our sales rep promised a free upgrade; no record of any such promise.",
        "Said another employee agreed to waive the fees; the colleague denies it.",
        "Reported the delivery as missing although the courier has a signed receipt.",
        "Invented a story about staff misconduct during the visit; the visit log contradicts it.",
    ),
    "unreasonable_demand": (
        "Demanded weekend delivery and instant replies at night, outside the agreed scope.",
        "Insisted on three extra revisions beyond the contract; would not take no for an answer.",
    ),
    "ignored_advice": (
        "Customer ignored our configuration advice, it failed as predicted, and they blamed us.",
        "Declined the recommended backup setup; later lost data and asked us to pay for recovery.",
    ),
    "policy_abuse": (
        "Serial returns of worn items under the generous return policy.",
        "Bought for a single event and returned everything the next week, again.",
    ),
    "unhappy": (
        "Customer sounded fed up on the call: slow answers and a promise we did not keep.",
        "Long-time customer says we have stopped caring; flagged for follow-up.",
    ),
    "other": ("Customer asked for a different account manager.", "Note: prefers e-mail to calls."),
}

RETURN_REASONS: Final[tuple[str, ...]] = (
    "changed_mind",
    "damaged",
    "wrong_size",
    "not_as_described",
    "late_delivery",
)

FIRST_NAMES: Final[tuple[str, ...]] = (
    "Acme",
    "Nordic",
    "Blue",
    "Sakura",
    "Taiga",
    "Harbor",
    "Golden",
    "Baltic",
    "Summit",
    "Jade",
    "Aurora",
    "Cedar",
    "Pioneer",
    "Lotus",
    "Granite",
    "Meridian",
)
LAST_NAMES: Final[tuple[str, ...]] = (
    "Trading",
    "Studio",
    "Logistics",
    "Foods",
    "Labs",
    "Partners",
    "Retail",
    "Works",
    "Systems",
    "Design",
    "Health",
    "Supply",
)
OWNERS: Final[tuple[str, ...]] = ("anna", "mark", "yuki", "mei", "olga", "kadri", "tom", "li")
